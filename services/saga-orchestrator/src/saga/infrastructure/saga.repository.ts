import type { CancellationReason } from '@order-saga/contracts';
import { queryRows, type SqlExecutor } from '@order-saga/persistence';
import type {
  Compensation,
  OrderSnapshot,
  SagaState,
  SagaStatus,
  SagaStep,
} from '../domain/order-saga';

interface SagaRow {
  status: SagaStatus;
  step: SagaStep;
  compensations: Compensation[];
  order_data: OrderSnapshot;
  reason: CancellationReason | null;
}

export class SagaRepository {
  async lock(tx: SqlExecutor, orderId: string): Promise<SagaState | undefined> {
    const [row] = await queryRows<SagaRow>(
      tx,
      'SELECT status, step, compensations, order_data, reason FROM saga_instances WHERE order_id = $1 FOR UPDATE',
      [orderId],
    );
    return row === undefined
      ? undefined
      : {
          status: row.status,
          step: row.step,
          compensations: row.compensations,
          order: row.order_data,
          reason: row.reason,
        };
  }

  async save(tx: SqlExecutor, state: SagaState, deadline: Date | undefined): Promise<void> {
    await tx.query(
      `INSERT INTO saga_instances (order_id, status, step, compensations, order_data, reason, deadline)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, COALESCE($7, now()))
       ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, step = EXCLUDED.step,
         compensations = EXCLUDED.compensations, reason = EXCLUDED.reason, updated_at = now()`,
      [
        state.order.orderId,
        state.status,
        state.step,
        state.compensations,
        JSON.stringify(state.order),
        state.reason,
        deadline ?? null,
      ],
    );
  }
}
