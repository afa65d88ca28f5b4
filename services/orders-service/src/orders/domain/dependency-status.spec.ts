import { describe, expect, it } from 'vitest';
import { orderWaiting, type DependencyStatus } from './dependency-status';

const open: DependencyStatus = {
  dependency: 'payment-provider',
  state: 'open',
  openedAt: '2026-12-01T10:00:00.000Z',
  reason: '10 of 10 calls failed in 10 s (this replica)',
  changedAt: '2026-12-01T10:00:00.100Z',
};

describe('orderWaiting', () => {
  it('names the provider and the opening for orders whose payment is not decided', () => {
    for (const status of ['CREATED', 'PAYMENT_PENDING'] as const)
      expect(orderWaiting(status, open)).toEqual({
        on: 'payment-provider',
        state: 'open',
        since: '2026-12-01T10:00:00.000Z',
        reason: 'waiting for the payment provider (breaker open since 2026-12-01T10:00:00.000Z)',
      });
  });

  it('says nothing once the breaker closed, before any report, or for orders past payment', () => {
    expect(
      orderWaiting('PAYMENT_PENDING', { ...open, state: 'closed', openedAt: null }),
    ).toBeNull();
    expect(orderWaiting('PAYMENT_PENDING', undefined)).toBeNull();
    expect(orderWaiting('PAID', open)).toBeNull();
    expect(orderWaiting('CANCELLED', open)).toBeNull();
  });

  it('tells a half-open breaker (a probe under way) from an open one', () => {
    expect(orderWaiting('PAYMENT_PENDING', { ...open, state: 'half-open' })?.reason).toBe(
      'waiting for the payment provider (breaker half-open since 2026-12-01T10:00:00.100Z, probing)',
    );
  });
});
