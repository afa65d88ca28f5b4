import { describe, expect, it } from 'vitest';
import { authorizationKey, chargeStep, refundKey } from './payment';

describe('payment decisions', () => {
  it('charges only a PENDING payment; any other status was decided by an earlier delivery', () => {
    expect(chargeStep({ status: 'PENDING' })).toBe('charge');
    for (const status of ['CONFIRMED', 'FAILED', 'REFUNDED'] as const)
      expect(chargeStep({ status })).toBe('already-decided');
  });

  it('derives one idempotency key per order and operation', () => {
    expect(authorizationKey('o-1')).toBe('order:o-1:authorize');
    expect(refundKey('o-1')).toBe('order:o-1:refund');
  });
});
