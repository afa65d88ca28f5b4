import { describe, expect, it } from 'vitest';
import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  const order = {
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 'A', quantity: 1, unitPrice: 100 }],
    paymentMethod: 'pm_card_visa',
  };

  it('ignores key order and formatting at every depth', () => {
    const reordered = JSON.parse(
      '{ "paymentMethod": "pm_card_visa", "items": [ { "unitPrice": 100, "sku": "A", "quantity": 1 } ], "currency": "EUR", "customerId": "c-1" }',
    ) as unknown;
    expect(requestFingerprint('POST /orders', reordered)).toBe(
      requestFingerprint('POST /orders', order),
    );
  });

  it('changes with any value, with array order and with the operation', () => {
    const base = requestFingerprint('POST /orders', order);
    expect(requestFingerprint('POST /orders', { ...order, currency: 'USD' })).not.toBe(base);
    expect(
      requestFingerprint('POST /orders', {
        ...order,
        items: [...order.items, { sku: 'B', quantity: 1, unitPrice: 1 }],
      }),
    ).not.toBe(base);
    expect(requestFingerprint('POST /payments', order)).not.toBe(base);
  });

  it('tells a string from a number', () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('serializes canonically', () => {
    expect(canonicalJson({ b: [2, { d: null, c: true }], a: 'x' })).toBe(
      '{"a":"x","b":[2,{"c":true,"d":null}]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});
