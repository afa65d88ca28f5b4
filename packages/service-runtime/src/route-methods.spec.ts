import { describe, expect, it } from 'vitest';
import { RouteMethods } from './route-methods';

describe('RouteMethods', () => {
  const routes = new RouteMethods();
  routes.add('/orders', ['POST']);
  routes.add('/orders', 'GET');
  routes.add('/orders', 'HEAD');
  routes.add('/orders/:id', ['GET', 'HEAD']);
  routes.add('/health/live', 'GET');

  it('lists the methods of a known path, parameters included', () => {
    expect(routes.allowed('/orders')).toEqual(['GET', 'HEAD', 'POST']);
    expect(routes.allowed('/orders/0b6e4a9c-1')).toEqual(['GET', 'HEAD']);
    expect(routes.allowed('/orders/')).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('knows no methods for an unknown path', () => {
    expect(routes.allowed('/nowhere')).toEqual([]);
    expect(routes.allowed('/orders/1/items')).toEqual([]);
    expect(routes.allowed('/health/liveX')).toEqual([]);
  });
});
