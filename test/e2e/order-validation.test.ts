import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@order-saga/contracts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { http, orderBody } from '../../scripts/system/orders-api.ts';
import { readTopics } from '../support/topic-reader.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  errors?: Array<{ field: string; message: string }>;
}

let system: SagaSystem;

beforeAll(async () => {
  system = await startSagaSystem('validation');
});

afterAll(async () => {
  await system?.stop();
});

async function post(body: string, contentType = 'application/json') {
  return http<Problem>(`${system.ordersUrl}/orders`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType },
  });
}

const fields = (problem: Problem): string[] => (problem.errors ?? []).map((e) => e.field).sort();

describe('POST /orders rejects bad input precisely and changes nothing', () => {
  const invalid: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'wrong types',
      orderBody({ customerId: 42, currency: 7, items: 'many' }),
      ['currency', 'customerId', 'items'],
    ],
    ['missing fields', { currency: 'EUR' }, ['customerId', 'items', 'paymentMethod']],
    ['unknown fields', orderBody({ coupon: 'FREE', admin: true }), ['admin', 'coupon']],
    [
      'unknown field in a line',
      orderBody({ items: [{ sku: 'A', quantity: 1, unitPrice: 1, discount: 5 }] }),
      ['items.0.discount'],
    ],
    [
      'zero quantity',
      orderBody({ items: [{ sku: 'A', quantity: 0, unitPrice: 100 }] }),
      ['items.0.quantity'],
    ],
    [
      'negative quantity and price',
      orderBody({ items: [{ sku: 'A', quantity: -2, unitPrice: -1 }] }),
      ['items.0.quantity', 'items.0.unitPrice'],
    ],
    [
      'fractional money',
      orderBody({ items: [{ sku: 'A', quantity: 1, unitPrice: 9.99 }] }),
      ['items.0.unitPrice'],
    ],
    ['no lines', orderBody({ items: [] }), ['items']],
    ['lowercase currency', orderBody({ currency: 'eur' }), ['currency']],
    [
      'a deadline shorter than the saga allows',
      orderBody({ deadlineSeconds: 0 }),
      ['deadlineSeconds'],
    ],
    ['a deadline longer than a day', orderBody({ deadlineSeconds: 86_401 }), ['deadlineSeconds']],
    ['a fractional deadline', orderBody({ deadlineSeconds: 2.5 }), ['deadlineSeconds']],
    ['a JSON array body', [] as unknown as Record<string, unknown>, ['(body)']],
  ];

  it.each(invalid)(
    '%s -> 400 ORDER.VALIDATION_FAILED naming each bad field',
    async (_name, body, expected) => {
      const response = await post(JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('ORDER.VALIDATION_FAILED');
      expect(response.body.type).toBe('urn:order-saga:problem:ORDER.VALIDATION_FAILED');
      expect(fields(response.body)).toEqual(expected);
    },
  );

  it('malformed JSON -> 400 REQUEST.MALFORMED_JSON', async () => {
    const response = await post('{"customerId": "c1", "items": [');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('empty body -> 400 REQUEST.EMPTY_BODY', async () => {
    const response = await post('');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('REQUEST.EMPTY_BODY');
  });

  it('a prototype-poisoning body is refused, not parsed', async () => {
    const response = await post('{"__proto__": {"admin": true}, "customerId": "c1"}');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('REQUEST.MALFORMED_JSON');
  });

  // 413 (Content Too Large, RFC 9110) rather than a generic 400: the client learns it must send
  // less, not that a field is wrong. The limit is HTTP_BODY_LIMIT_BYTES (64 KiB by default).
  it('a huge body -> 413 REQUEST.BODY_TOO_LARGE, before it is parsed', async () => {
    const huge = JSON.stringify(orderBody({ customerId: 'x'.repeat(200_000) }));
    const response = await post(huge);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('REQUEST.BODY_TOO_LARGE');
  });

  it('a non-JSON content type -> 415 REQUEST.UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await post('customerId=c1', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('an unknown route -> 404 problem+json', async () => {
    const response = await http<Problem>(`${system.ordersUrl}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('ROUTE.NOT_FOUND');
  });

  it('a bad list query -> 400 ORDER.QUERY_INVALID', async () => {
    const response = await http<Problem>(`${system.ordersUrl}/orders?limit=0&status=LOST`);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('ORDER.QUERY_INVALID');
    expect(fields(response.body)).toEqual(['limit', 'status']);
  });

  it('none of the rejected requests created an order or an event', async () => {
    const listed = await http<{ items: unknown[] }>(`${system.ordersUrl}/orders?limit=100`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
    const events = await readTopics(system.brokers, [
      `${system.topicPrefix}${TOPICS.ordersEvents}`,
    ]);
    expect(events).toEqual([]);
    // A valid request right after still works: the service was not left in a bad state.
    const created = await post(JSON.stringify(orderBody()));
    expect(created.status).toBe(201);
  });
});
