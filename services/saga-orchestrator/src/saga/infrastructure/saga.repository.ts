import type { CancellationReason } from '@order-saga/contracts';
import { queryRows, type SqlExecutor } from '@order-saga/persistence';
import type { OrderSnapshot, SagaState, SagaStatus } from '../domain/order-saga';

interface SagaRow {
  status: SagaStatus;
  step: string;
  done: string[];
  compensations: string[];
  order_data: OrderSnapshot;
  reason: CancellationReason | null;
  error: string | null;
  deadline: Date;
}

const COLUMNS = 'status, step, done, compensations, order_data, reason, error, deadline';

const toState = (row: SagaRow): SagaState => ({
  status: row.status,
  step: row.step,
  done: row.done,
  compensations: row.compensations,
  order: row.order_data,
  reason: row.reason,
  error: row.error,
});

export class SagaRepository {
  async lock(tx: SqlExecutor, orderId: string): Promise<SagaState | undefined> {
    const [row] = await queryRows<SagaRow>(
      tx,
      `SELECT ${COLUMNS} FROM saga_instances WHERE order_id = $1 FOR UPDATE`,
      [orderId],
    );
    return row === undefined ? undefined : toState(row);
  }

  /**
   * Locks up to `limit` running sagas whose deadline has passed, oldest deadline first. SKIP
   * LOCKED: a saga another sweeper replica (or a fact being applied) holds is left to it, so two
   * replicas never decide the same saga; the status re-check under the lock does the rest.
   */
  async lockExpired(
    tx: SqlExecutor,
    limit: number,
  ): Promise<Array<{ state: SagaState; deadline: Date }>> {
    const rows = await queryRows<SagaRow>(
      tx,
      `SELECT ${COLUMNS} FROM saga_instances
       WHERE status = 'RUNNING' AND deadline <= now()
       ORDER BY deadline LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => ({ state: toState(row), deadline: row.deadline }));
  }

  async save(tx: SqlExecutor, state: SagaState, deadline: Date | undefined): Promise<void> {
    await tx.query(
      `INSERT INTO saga_instances (order_id, status, step, done, compensations, order_data, reason, error, deadline)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, COALESCE($9, now()))
       ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, step = EXCLUDED.step,
         done = EXCLUDED.done, compensations = EXCLUDED.compensations, reason = EXCLUDED.reason,
         error = EXCLUDED.error, updated_at = now()`,
      [
        state.order.orderId,
        state.status,
        state.step,
        state.done,
        state.compensations,
        JSON.stringify(state.order),
        state.reason,
        state.error,
        deadline ?? null,
      ],
    );
  }
}
