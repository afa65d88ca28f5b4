import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope } from '@order-saga/contracts';
import { INBOX_V1, InboxTransactions } from '@order-saga/inbox';
import { OUTBOX_V1, OutboxWriter } from '@order-saga/outbox';
import { queryRows } from '@order-saga/persistence';
import { scratch, type Scratch } from './support/scratch.ts';

let s: Scratch;
let inbox: InboxTransactions;

beforeAll(async () => {
  s = await scratch('inbox_tx');
  await s.db.query(OUTBOX_V1.up);
  await s.db.query(INBOX_V1.up);
  await s.db.query('CREATE TABLE effects (message_id uuid NOT NULL)');
  inbox = new InboxTransactions(s.db, new OutboxWriter(s.prefix), 'test.saga', s.metrics);
});

afterAll(async () => {
  await s?.dispose();
});

async function count(sql: string, params: unknown[]): Promise<number> {
  const [row] = await queryRows<{ n: string }>(s.db, sql, params);
  return Number(row?.n);
}

async function duplicatesCounted(): Promise<number> {
  const metric = await s.metrics.inboxDuplicates.get();
  return metric.values.find((v) => v.labels.topic === 'orders.events')?.value ?? 0;
}

function fulfilled(orderId: string) {
  return createEnvelope(
    'OrderFulfilled',
    orderId,
    { orderId },
    { source: 'test', correlationId: orderId, causationId: null, traceparent: null },
  );
}

describe('InboxTransactions.apply', () => {
  it('runs the effects and appends their messages once per message, counting the redelivery', async () => {
    const message = fulfilled(randomUUID());
    const delivery = { topic: 'orders.events' };
    const effects = async (tx: Parameters<Parameters<InboxTransactions['apply']>[2]>[0]) => {
      await tx.query('INSERT INTO effects (message_id) VALUES ($1)', [message.id]);
      return { result: 'applied', messages: [fulfilled(message.subject)] };
    };
    const before = await duplicatesCounted();

    const first = await inbox.apply(message, delivery, effects);
    const second = await inbox.apply(message, delivery, effects);

    expect(first).toEqual({ duplicate: false, result: 'applied' });
    expect(second).toEqual({ duplicate: true });
    expect(
      await count('SELECT count(*) AS n FROM effects WHERE message_id = $1', [message.id]),
    ).toBe(1);
    expect(
      await count('SELECT count(*) AS n FROM outbox WHERE message_key = $1', [message.subject]),
    ).toBe(1);
    expect((await duplicatesCounted()) - before).toBe(1);
    expect(await inbox.alreadyApplied(message, delivery)).toBe(true);
  });

  it('rolls the claim back with the effects, so a failed attempt is retried, not skipped', async () => {
    const message = fulfilled(randomUUID());
    const delivery = { topic: 'orders.events' };
    await expect(
      inbox.apply(message, delivery, () => Promise.reject(new Error('database hiccup'))),
    ).rejects.toThrow('database hiccup');
    expect(await inbox.alreadyApplied(message, delivery)).toBe(false);
    const retried = await inbox.apply(message, delivery, () => Promise.resolve({ result: 1 }));
    expect(retried).toEqual({ duplicate: false, result: 1 });
  });

  it('runs `before` first, on a duplicate too: its refusal rolls the claim and effects back', async () => {
    const message = fulfilled(randomUUID());
    const delivery = { topic: 'orders.events' };
    const ran: string[] = [];
    const refuse = () => Promise.reject(new Error('signature seen before'));
    const note = (what: string) => () => {
      ran.push(what);
      return Promise.resolve();
    };
    await expect(
      inbox.apply(message, delivery, () => Promise.resolve({ result: 'applied' }), {
        before: refuse,
      }),
    ).rejects.toThrow('signature seen before');
    expect(await inbox.alreadyApplied(message, delivery)).toBe(false);

    const first = await inbox.apply(
      message,
      delivery,
      () => {
        ran.push('effects');
        return Promise.resolve({ result: 'applied' });
      },
      { before: note('before') },
    );
    expect(first).toEqual({ duplicate: false, result: 'applied' });
    expect(ran).toEqual(['before', 'effects']);
    // A duplicate still passes through `before`: a refusal there wins over "already applied".
    await expect(
      inbox.apply(message, delivery, () => Promise.resolve({ result: 'again' }), {
        before: refuse,
      }),
    ).rejects.toThrow('signature seen before');
    const second = await inbox.apply(
      message,
      delivery,
      () => Promise.resolve({ result: 'again' }),
      { before: note('before again') },
    );
    expect(second).toEqual({ duplicate: true });
    expect(ran).toEqual(['before', 'effects', 'before again']);
  });
});
