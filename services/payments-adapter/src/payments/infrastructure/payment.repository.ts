import { randomUUID } from 'node:crypto';
import type { CancellationReason, OrderLine, PaymentFailureReason } from '@order-saga/contracts';
import { queryRows, type SqlExecutor } from '@order-saga/persistence';
import type { Payment, PaymentRequester, PaymentStatus } from '../domain/payment';

interface PaymentRow {
  id: string;
  order_id: string;
  amount: string;
  currency: string;
  payment_method: string;
  status: PaymentStatus;
  provider_payment_id: string | null;
  attempts: number;
  refund_attempts: number;
  items: OrderLine[];
  refund_reason: CancellationReason | null;
  refund_error: string | null;
  refund_correlation_id: string | null;
  refund_traceparent: string | null;
  requested_by: string | null;
  correlation_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

const toPayment = (row: PaymentRow): Payment => ({
  id: row.id,
  orderId: row.order_id,
  amount: Number(row.amount),
  currency: row.currency,
  paymentMethod: row.payment_method,
  status: row.status,
  providerPaymentId: row.provider_payment_id,
  attempts: row.attempts,
  refundAttempts: row.refund_attempts,
  items: row.items,
  refundReason: row.refund_reason,
  refundError: row.refund_error,
  refundContext:
    row.refund_correlation_id === null
      ? null
      : { correlationId: row.refund_correlation_id, traceparent: row.refund_traceparent },
  requestedBy: {
    messageId: row.requested_by,
    correlationId: row.correlation_id,
    traceparent: row.traceparent,
    tracestate: row.tracestate,
  },
});

export interface FailedRefund {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: CancellationReason | null;
  readonly error: string | null;
  readonly refundAttempts: number;
  readonly failedAt: string;
}

export class PaymentRepository {
  /** Inserts the PENDING payment for an order unless one exists; reports which happened. */
  async createPending(
    tx: SqlExecutor,
    order: {
      orderId: string;
      amount: number;
      currency: string;
      paymentMethod: string;
      items: readonly OrderLine[];
      requestedBy?: PaymentRequester;
    },
  ): Promise<{ payment: Payment; created: boolean }> {
    const inserted = await queryRows<PaymentRow>(
      tx,
      `INSERT INTO payments (id, order_id, amount, currency, payment_method, items, status,
                             requested_by, correlation_id, traceparent, tracestate)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'PENDING', $7, $8, $9, $10)
       ON CONFLICT (order_id) DO NOTHING RETURNING *`,
      [
        randomUUID(),
        order.orderId,
        order.amount,
        order.currency,
        order.paymentMethod,
        JSON.stringify(order.items),
        order.requestedBy?.messageId ?? null,
        order.requestedBy?.correlationId ?? null,
        order.requestedBy?.traceparent ?? null,
        order.requestedBy?.tracestate ?? null,
      ],
    );
    const created = inserted[0];
    if (created !== undefined) return { payment: toPayment(created), created: true };
    const existing = await this.findByOrder(tx, order.orderId);
    if (existing === undefined) throw new Error(`payment for order ${order.orderId} vanished`);
    return { payment: existing, created: false };
  }

  async findByOrder(db: SqlExecutor, orderId: string, lock = false): Promise<Payment | undefined> {
    const [row] = await queryRows<PaymentRow>(
      db,
      `SELECT * FROM payments WHERE order_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [orderId],
    );
    return row === undefined ? undefined : toPayment(row);
  }

  async recordAttempt(
    db: SqlExecutor,
    paymentId: string,
    operation: 'authorize' | 'refund',
    outcome: string,
    durationMs: number,
  ): Promise<number> {
    const column = operation === 'authorize' ? 'attempts' : 'refund_attempts';
    const [row] = await queryRows<{ attempts: number }>(
      db,
      `WITH a AS (
         INSERT INTO payment_attempts (payment_id, operation, outcome, duration_ms) VALUES ($1, $2, $3, $4)
       )
       UPDATE payments SET ${column} = ${column} + 1 WHERE id = $1 RETURNING ${column} AS attempts`,
      [paymentId, operation, outcome, Math.round(durationMs)],
    );
    return row?.attempts ?? 0;
  }

  /** An asynchronous charge was accepted: its id is known, its result is not (still PENDING). */
  async recordProviderPayment(
    tx: SqlExecutor,
    paymentId: string,
    providerPaymentId: string,
  ): Promise<void> {
    await tx.query(
      `UPDATE payments SET provider_payment_id = $2, updated_at = now()
       WHERE id = $1 AND status = 'PENDING'`,
      [paymentId, providerPaymentId],
    );
  }

  async confirm(tx: SqlExecutor, paymentId: string, providerPaymentId: string): Promise<void> {
    await tx.query(
      `UPDATE payments SET status = 'CONFIRMED', provider_payment_id = $2, updated_at = now() WHERE id = $1`,
      [paymentId, providerPaymentId],
    );
  }

  async fail(tx: SqlExecutor, paymentId: string, reason: PaymentFailureReason): Promise<void> {
    await tx.query(
      `UPDATE payments SET status = 'FAILED', failure_reason = $2, updated_at = now() WHERE id = $1`,
      [paymentId, reason],
    );
  }

  async markRefunded(
    tx: SqlExecutor,
    paymentId: string,
    providerRefundId: string,
    reason: CancellationReason,
  ): Promise<{ refundAttempts: number }> {
    const [row] = await queryRows<{ refund_attempts: number }>(
      tx,
      `UPDATE payments SET status = 'REFUNDED', provider_refund_id = $2, refund_reason = $3,
         refund_error = NULL, updated_at = now()
       WHERE id = $1 RETURNING refund_attempts`,
      [paymentId, providerRefundId, reason],
    );
    return { refundAttempts: row?.refund_attempts ?? 1 };
  }

  /** The refund gave up: the payment stays captured, marked for an operator. */
  async markRefundFailed(
    tx: SqlExecutor,
    paymentId: string,
    reason: CancellationReason,
    error: string,
    context: { correlationId: string; traceparent: string | null },
  ): Promise<void> {
    await tx.query(
      `UPDATE payments SET status = 'REFUND_FAILED', refund_reason = $2, refund_error = $3,
         refund_correlation_id = $4, refund_traceparent = $5, updated_at = now()
       WHERE id = $1`,
      [paymentId, reason, error, context.correlationId, context.traceparent],
    );
  }

  /** Refunds that gave up (REFUND_FAILED), oldest first: what an operator has to look at. */
  async failedRefunds(db: SqlExecutor): Promise<FailedRefund[]> {
    const rows = await queryRows<{
      order_id: string;
      id: string;
      amount: string;
      currency: string;
      refund_reason: CancellationReason | null;
      refund_error: string | null;
      refund_attempts: number;
      updated_at: Date;
    }>(
      db,
      `SELECT order_id, id, amount, currency, refund_reason, refund_error, refund_attempts, updated_at
       FROM payments WHERE status = 'REFUND_FAILED' ORDER BY updated_at LIMIT 500`,
    );
    return rows.map((row) => ({
      orderId: row.order_id,
      paymentId: row.id,
      amount: Number(row.amount),
      currency: row.currency,
      reason: row.refund_reason,
      error: row.refund_error,
      refundAttempts: row.refund_attempts,
      failedAt: row.updated_at.toISOString(),
    }));
  }

  /** Refund calls the provider refused (402), the ones the refund's retry budget counts. */
  async refusedRefunds(db: SqlExecutor, paymentId: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      db,
      `SELECT count(*)::int AS n FROM payment_attempts
       WHERE payment_id = $1 AND operation = 'refund' AND outcome = 'refused'`,
      [paymentId],
    );
    return row?.n ?? 0;
  }
}
