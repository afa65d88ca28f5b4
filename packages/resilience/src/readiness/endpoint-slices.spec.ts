import { describe, expect, it } from 'vitest';
import { endpointSliceReadiness, type EndpointSliceView } from './endpoint-slices';

const endpoint = (address: string, ready?: boolean) => ({
  addresses: [address],
  ...(ready === undefined ? {} : { conditions: { ready } }),
});

describe('endpointSliceReadiness', () => {
  it('is ready with one ready endpoint across all slices', () => {
    const slices: EndpointSliceView[] = [
      { endpoints: [endpoint('10.0.0.1', false)] },
      { endpoints: [endpoint('10.0.0.2', true), endpoint('10.0.0.3', false)] },
    ];
    expect(endpointSliceReadiness(slices, 'sim')).toEqual({
      ready: true,
      reason: '1 of 3 endpoints of Service sim ready',
    });
  });

  it('is not ready when every endpoint is unready or the Service has none', () => {
    expect(endpointSliceReadiness([{ endpoints: [endpoint('10.0.0.1', false)] }], 'sim')).toEqual({
      ready: false,
      reason: '0 of 1 endpoints of Service sim ready',
    });
    // The controller keeps an empty slice for a Service without pods; no slice at all is the same.
    expect(endpointSliceReadiness([{ endpoints: [] }, {}], 'sim').ready).toBe(false);
    expect(endpointSliceReadiness([], 'sim')).toEqual({
      ready: false,
      reason: 'Service sim has no endpoints',
    });
  });

  it('reads an unset ready condition as ready, as the API says to', () => {
    expect(endpointSliceReadiness([{ endpoints: [endpoint('10.0.0.1')] }], 'sim').ready).toBe(true);
  });

  it('counts an endpoint that sits in two slices once, ready if either says so', () => {
    const moving: EndpointSliceView[] = [
      { endpoints: [endpoint('10.0.0.1', false)] },
      { endpoints: [endpoint('10.0.0.1', true)] },
    ];
    expect(endpointSliceReadiness(moving, 'sim').reason).toBe(
      '1 of 1 endpoints of Service sim ready',
    );
  });
});
