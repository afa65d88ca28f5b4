import { randomUUID } from 'node:crypto';
import { DataSource, type MigrationInterface } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_MIGRATIONS, OutboxWriter } from '@order-saga/outbox';
import { ExpireOrdersHandler } from '../../services/orders-service/src/orders/application/expire-orders.handler.ts';
import { CreateOrders1732780000000 } from '../../services/orders-service/src/orders/infrastructure/migrations/1732780000000-create-orders.ts';
import { SagaTimeline1764547400000 } from '../../services/orders-service/src/orders/infrastructure/migrations/1764547400000-saga-timeline.ts';
import { OrderRepository } from '../../services/orders-service/src/orders/infrastructure/order.repository.ts';
import { ExpireSagasHandler } from '../../services/saga-orchestrator/src/saga/application/expire-sagas.handler.ts';
import { CreateSagas1732780300000 } from '../../services/saga-orchestrator/src/saga/infrastructure/migrations/1732780300000-create-sagas.ts';
import { SagaProgress1764547200000 } from '../../services/saga-orchestrator/src/saga/infrastructure/migrations/1764547200000-saga-progress.ts';
import { SagaRepository } from '../../services/saga-orchestrator/src/saga/infrastructure/saga.repository.ts';
import { scratch, type Scratch } from './support/scratch.ts';

const SAGAS = 300;

async function migrate(db: DataSource, migrations: MigrationInterface[]): Promise<void> {
  const runner = db.createQueryRunner();
  try {
    for (const migration of migrations) await migration.up(runner);
  } finally {
    await runner.release();
  }
}

/** A second pool on the same database: a second replica of the service. */
async function replica(url: string): Promise<DataSource> {
  const db = new DataSource({ type: 'postgres', url, extra: { max: 4 } });
  return db.initialize();
}

/** Runs both sweepers side by side until neither finds anything due. */
async function sweepTogether(sweepers: Array<{ sweep(): Promise<number> }>): Promise<number[]> {
  return Promise.all(
    sweepers.map(async (sweeper) => {
      let total = 0;
      for (let n = await sweeper.sweep(); n > 0; n = await sweeper.sweep()) total += n;
      return total;
    }),
  );
}

async function deadlineMessagesPerOrder(db: DataSource): Promise<number[]> {
  const rows: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM outbox WHERE message_type = 'orders.order-deadline-exceeded.v1'
     GROUP BY message_key`,
  );
  return rows.map((row) => row.n);
}

// A deadline sweeper runs in every replica of its service. SKIP LOCKED plus the status re-check
// under the row lock mean each saga is given up by exactly one of them, exactly once.
describe('two deadline sweeper replicas never both give up one saga', () => {
  describe('choreography: the orders service', () => {
    let s: Scratch;
    let second: DataSource;

    beforeAll(async () => {
      s = await scratch('sweep_orders');
      await migrate(s.db, [
        ...OUTBOX_MIGRATIONS.map((Migration) => new Migration()),
        new CreateOrders1732780000000(),
        new SagaTimeline1764547400000(),
      ]);
      second = await replica(s.url);
      const orders = new OrderRepository();
      const past = new Date(Date.now() - 1_000);
      for (let i = 0; i < SAGAS; i++) {
        await orders.insert(s.db, {
          id: randomUUID(),
          customerId: `c-${i}`,
          currency: 'EUR',
          total: 100,
          paymentMethod: 'pm_card_visa',
          items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }],
          correlationId: `corr-${i}`,
          traceId: randomUUID().replaceAll('-', ''),
          deadline: past,
          createdAt: new Date(),
        });
      }
      // A third of them had their payment confirmed: those are undone, not cancelled outright.
      await s.db.query(
        `UPDATE saga_steps SET status = 'SUCCEEDED' WHERE name = 'payment'
         AND order_id IN (SELECT id FROM orders ORDER BY id LIMIT ${SAGAS / 3})`,
      );
    });

    afterAll(async () => {
      await second?.destroy();
      await s?.dispose();
    });

    it('gives up each expired order once, between them', async () => {
      const orders = new OrderRepository();
      const sweeper = (db: DataSource): ExpireOrdersHandler =>
        new ExpireOrdersHandler(db, orders, new OutboxWriter(), s.logger, s.metrics, 7);
      const counts = await sweepTogether([sweeper(s.db), sweeper(second)]);
      console.log(`sweepers gave up ${counts.join(' + ')} orders`);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(SAGAS);

      const perOrder = await deadlineMessagesPerOrder(s.db);
      expect(perOrder).toHaveLength(SAGAS);
      expect(perOrder.every((n) => n === 1)).toBe(true);
      const transitions: Array<{ to_status: string; n: number }> = await s.db.query(
        `SELECT to_status, count(*)::int AS n FROM order_transitions
         WHERE reason = 'DEADLINE_EXCEEDED' GROUP BY to_status ORDER BY to_status`,
      );
      // Every order entered COMPENSATING once; those with nothing done went on to CANCELLED.
      expect(transitions).toEqual([
        { to_status: 'CANCELLED', n: SAGAS - SAGAS / 3 },
        { to_status: 'COMPENSATING', n: SAGAS },
      ]);
      const cancelled: Array<{ n: number }> = await s.db.query(
        `SELECT count(*)::int AS n FROM outbox WHERE message_type = 'orders.order-cancelled.v1'`,
      );
      expect(cancelled[0]?.n).toBe(SAGAS - SAGAS / 3);
      // A later sweep finds nothing: given up is given up.
      expect(await sweeper(s.db).sweep()).toBe(0);
    });
  });

  describe('orchestration: the saga orchestrator', () => {
    let s: Scratch;
    let second: DataSource;

    beforeAll(async () => {
      s = await scratch('sweep_sagas');
      await migrate(s.db, [
        ...OUTBOX_MIGRATIONS.map((Migration) => new Migration()),
        new CreateSagas1732780300000(),
        new SagaProgress1764547200000(),
      ]);
      second = await replica(s.url);
      const sagas = new SagaRepository();
      for (let i = 0; i < SAGAS; i++) {
        const orderId = randomUUID();
        await sagas.save(
          s.db,
          {
            status: 'RUNNING',
            step: i % 2 === 0 ? 'payment' : 'inventory',
            done: i % 2 === 0 ? [] : ['payment'],
            compensations: [],
            order: {
              orderId,
              amount: 100,
              currency: 'EUR',
              paymentMethod: 'pm_card_visa',
              items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 100 }],
              correlationId: `corr-${i}`,
              traceparent: null,
            },
            reason: null,
            error: null,
          },
          new Date(Date.now() - 1_000),
        );
      }
    });

    afterAll(async () => {
      await second?.destroy();
      await s?.dispose();
    });

    it('gives up each expired saga once, between them, undoing in reverse order', async () => {
      const sagas = new SagaRepository();
      const sweeper = (db: DataSource): ExpireSagasHandler =>
        new ExpireSagasHandler(db, sagas, new OutboxWriter(), s.logger, s.metrics, 7);
      const counts = await sweepTogether([sweeper(s.db), sweeper(second)]);
      console.log(`sweepers gave up ${counts.join(' + ')} sagas`);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(SAGAS);

      const perSaga = await deadlineMessagesPerOrder(s.db);
      expect(perSaga).toHaveLength(SAGAS);
      expect(perSaga.every((n) => n === 1)).toBe(true);
      // The first undo of each: the step in flight (payment, or inventory before the payment).
      const firstUndo: Array<{ message_type: string; n: number }> = await s.db.query(
        `SELECT message_type, count(*)::int AS n FROM outbox
         WHERE topic LIKE '%.commands' GROUP BY message_type ORDER BY message_type`,
      );
      expect(firstUndo).toEqual([
        { message_type: 'inventory.release-inventory.v1', n: SAGAS / 2 },
        { message_type: 'payments.refund-payment.v1', n: SAGAS / 2 },
      ]);
      const states: Array<{ status: string; step: string; n: number }> = await s.db.query(
        `SELECT status, step, count(*)::int AS n FROM saga_instances
         WHERE reason = 'DEADLINE_EXCEEDED' GROUP BY status, step ORDER BY step`,
      );
      expect(states).toEqual([
        { status: 'COMPENSATING', step: 'inventory', n: SAGAS / 2 },
        { status: 'COMPENSATING', step: 'payment', n: SAGAS / 2 },
      ]);
      expect(await sweeper(s.db).sweep()).toBe(0);
    });
  });
});
