import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createEnvelope,
  decodeMessage,
  encodeEnvelope,
  ContractViolation,
  type RawMessage,
} from './envelope';

const orderId = randomUUID();
const causation = {
  source: 'orders-service',
  correlationId: 'corr-1',
  causationId: null,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const created = createEnvelope(
  'OrderCreated',
  orderId,
  {
    orderId,
    customerId: 'c-1',
    currency: 'EUR',
    items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 500 }],
    total: 1000,
    paymentMethod: 'pm_card_visa',
    deadline: new Date(0).toISOString(),
  },
  causation,
);

function asRecord(envelope = created): RawMessage & { headers: Record<string, string> } {
  const encoded = encodeEnvelope(envelope);
  return { key: encoded.key, value: Buffer.from(encoded.value), headers: { ...encoded.headers } };
}

describe('envelope codec', () => {
  it('round-trips through the CloudEvents binary-mode headers', () => {
    const record = asRecord();
    expect(record.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: created.id,
      ce_type: 'orders.order-created.v1',
      ce_source: 'orders-service',
      ce_subject: orderId,
      'content-type': 'application/json',
      'correlation-id': 'corr-1',
      traceparent: causation.traceparent,
    });
    expect(record.headers['causation-id']).toBeUndefined();
    const decoded = decodeMessage(record);
    expect(decoded).toEqual({ ok: true, envelope: created });
  });

  it('routes each message to its topic with the order id as key', () => {
    const encoded = encodeEnvelope(created);
    expect(encoded.topic).toBe('orders.events');
    expect(encoded.key).toBe(orderId);
  });

  it('refuses to build a message that breaks its schema, naming the field', () => {
    expect(() =>
      createEnvelope('OrderFulfilled', orderId, { orderId: 'not-a-uuid' }, causation),
    ).toThrowError(/orderId/);
  });

  const broken: Array<[string, (r: ReturnType<typeof asRecord>) => RawMessage, string]> = [
    [
      'a missing ce_type',
      (r) => ({ ...r, headers: { ...r.headers, ce_type: '' } }),
      'ENVELOPE.MISSING_HEADER',
    ],
    [
      'an unknown type',
      (r) => ({ ...r, headers: { ...r.headers, ce_type: 'orders.order-shipped.v9' } }),
      'ENVELOPE.UNKNOWN_TYPE',
    ],
    [
      'another spec version',
      (r) => ({ ...r, headers: { ...r.headers, ce_specversion: '0.3' } }),
      'ENVELOPE.UNSUPPORTED_SPECVERSION',
    ],
    [
      'a value that is not JSON',
      (r) => ({ ...r, value: Buffer.from('{oops') }),
      'ENVELOPE.INVALID_JSON',
    ],
    [
      'a value that breaks the schema',
      (r) => ({ ...r, value: Buffer.from('{"orderId":1}') }),
      'ENVELOPE.SCHEMA_VIOLATION',
    ],
    [
      'a key that is not the subject',
      (r) => ({ ...r, key: randomUUID() }),
      'ENVELOPE.KEY_MISMATCH',
    ],
  ];

  it.each(broken)('rejects %s with a precise code instead of throwing', (_name, mutate, code) => {
    const decoded = decodeMessage(mutate(asRecord()));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error).toBeInstanceOf(ContractViolation);
      expect(decoded.error.code).toBe(code);
    }
  });

  it('lists every schema issue with its path', () => {
    const decoded = decodeMessage({
      ...asRecord(),
      value: Buffer.from(JSON.stringify({ orderId, total: -1 })),
    });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.issues.some((issue) => issue.startsWith('total:'))).toBe(true);
      expect(decoded.error.issues.some((issue) => issue.startsWith('items:'))).toBe(true);
    }
  });
});
