import type { CancellationReason, OrderLine } from '@order-saga/contracts';
import { queryRows, type SqlExecutor } from '@order-saga/persistence';
import type { OrderTransition, OrderView, SagaStep } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { StepUpdate } from '../domain/saga-step';

export interface OrderRecord {
  readonly id: string;
  readonly customerId: string;
  readonly currency: string;
  readonly total: number;
  readonly paymentMethod: string;
  readonly items: readonly OrderLine[];
  readonly correlationId: string;
  readonly traceId: string;
  readonly deadline: Date;
  readonly createdAt: Date;
}

export interface LockedOrder {
  readonly status: OrderStatus;
  readonly reason: CancellationReason | null;
  readonly createdAt: Date;
}

export interface Cause {
  readonly messageId: string;
  readonly type: string;
}

export interface ListQuery {
  readonly status?: OrderStatus;
  readonly limit: number;
  readonly after?: { readonly createdAt: string; readonly id: string };
}

interface OrderRow {
  id: string;
  customer_id: string;
  currency: string;
  total: string;
  status: OrderStatus;
  reason: CancellationReason | null;
  correlation_id: string;
  trace_id: string;
  deadline: Date;
  created_at: Date;
  updated_at: Date;
}

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

/** SQL for the orders aggregate. Every write takes the caller's transaction. */
export class OrderRepository {
  async insert(tx: SqlExecutor, order: OrderRecord): Promise<void> {
    await tx.query(
      `WITH o AS (
         INSERT INTO orders (id, customer_id, currency, total, payment_method, status, correlation_id, trace_id, deadline, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'CREATED', $6, $7, $8, $12, $12)
       ), i AS (
         INSERT INTO order_items (order_id, line_no, sku, quantity, unit_price)
         SELECT $1, line_no, sku, quantity, unit_price
         FROM unnest($9::text[], $10::int[], $11::bigint[]) WITH ORDINALITY AS l(sku, quantity, unit_price, line_no)
       ), s AS (
         INSERT INTO saga_steps (order_id, name, status) VALUES ($1, 'payment', 'PENDING'), ($1, 'inventory', 'PENDING')
       )
       INSERT INTO order_transitions (order_id, from_status, to_status) VALUES ($1, NULL, 'CREATED')`,
      [
        order.id,
        order.customerId,
        order.currency,
        order.total,
        order.paymentMethod,
        order.correlationId,
        order.traceId,
        order.deadline,
        order.items.map((item) => item.sku),
        order.items.map((item) => item.quantity),
        order.items.map((item) => item.unitPrice),
        // Millisecond precision on purpose: the list cursor round-trips through a JS Date.
        order.createdAt,
      ],
    );
  }

  async lock(tx: SqlExecutor, id: string): Promise<LockedOrder | undefined> {
    const [row] = await queryRows<{
      status: OrderStatus;
      reason: CancellationReason | null;
      created_at: Date;
    }>(tx, 'SELECT status, reason, created_at FROM orders WHERE id = $1 FOR UPDATE', [id]);
    return row === undefined
      ? undefined
      : { status: row.status, reason: row.reason, createdAt: row.created_at };
  }

  async recordTransitions(
    tx: SqlExecutor,
    id: string,
    from: OrderStatus,
    hops: readonly OrderStatus[],
    reason: CancellationReason | null,
    cause: Cause,
  ): Promise<void> {
    const previous = [from, ...hops.slice(0, -1)];
    await tx.query(
      `WITH t AS (
         INSERT INTO order_transitions (order_id, from_status, to_status, reason, message_id, message_type)
         SELECT $1, f, t, $4, $5, $6 FROM unnest($2::text[], $3::text[]) AS h(f, t)
       )
       UPDATE orders SET status = $7, reason = COALESCE($4, reason), updated_at = now() WHERE id = $1`,
      [id, previous, hops, reason, cause.messageId, cause.type, hops[hops.length - 1]],
    );
  }

  async updateSteps(tx: SqlExecutor, id: string, updates: readonly StepUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // started_at is set when a step is first seen in progress or done; finished_at when done.
    await tx.query(
      `INSERT INTO saga_steps AS s (order_id, name, status, attempts, detail, started_at, finished_at)
       SELECT $1, name, status, COALESCE(attempts, 0), detail, now(),
              CASE WHEN status IN ('PENDING', 'IN_PROGRESS') THEN NULL ELSE now() END
       FROM unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS u(name, status, attempts, detail)
       ON CONFLICT (order_id, name) DO UPDATE SET
         status = EXCLUDED.status,
         attempts = GREATEST(s.attempts, EXCLUDED.attempts),
         detail = COALESCE(EXCLUDED.detail, s.detail),
         started_at = COALESCE(s.started_at, EXCLUDED.started_at),
         finished_at = COALESCE(EXCLUDED.finished_at, s.finished_at)
       WHERE saga_step_rank(s.status) < saga_step_rank(EXCLUDED.status)`,
      [
        id,
        updates.map((u) => u.name),
        updates.map((u) => u.status),
        updates.map((u) => u.attempts ?? null),
        updates.map((u) => u.detail ?? null),
      ],
    );
  }

  async findView(db: SqlExecutor, id: string): Promise<OrderView | undefined> {
    const [row] = await queryRows<OrderRow>(db, 'SELECT * FROM orders WHERE id = $1', [id]);
    if (row === undefined) return undefined;
    const [items, steps, history] = await Promise.all([
      queryRows<{ sku: string; quantity: number; unit_price: string }>(
        db,
        'SELECT sku, quantity, unit_price FROM order_items WHERE order_id = $1 ORDER BY line_no',
        [id],
      ),
      queryRows<{
        name: SagaStep['name'];
        status: SagaStep['status'];
        attempts: number;
        detail: string | null;
        started_at: Date | null;
        finished_at: Date | null;
      }>(
        db,
        `SELECT name, status, attempts, detail, started_at, finished_at FROM saga_steps WHERE order_id = $1
         ORDER BY array_position(ARRAY['payment', 'inventory', 'refund'], name)`,
        [id],
      ),
      queryRows<{
        from_status: OrderStatus | null;
        to_status: OrderStatus;
        reason: CancellationReason | null;
        message_id: string | null;
        message_type: string | null;
        at: Date;
      }>(
        db,
        'SELECT from_status, to_status, reason, message_id, message_type, at FROM order_transitions WHERE order_id = $1 ORDER BY id',
        [id],
      ),
    ]);
    return {
      ...this.summary(row),
      items: items.map((item) => ({
        sku: item.sku,
        quantity: item.quantity,
        unitPrice: Number(item.unit_price),
      })),
      steps: steps.map((step) => ({
        name: step.name,
        status: step.status,
        attempts: step.attempts,
        detail: step.detail,
        startedAt: iso(step.started_at),
        finishedAt: iso(step.finished_at),
      })),
      history: history.map((t): OrderTransition => ({
        from: t.from_status,
        to: t.to_status,
        reason: t.reason,
        causedBy:
          t.message_id === null ? null : { messageId: t.message_id, type: t.message_type ?? '' },
        at: t.at.toISOString(),
      })),
    };
  }

  /** Newest first, keyset-paginated on (created_at, id) so pages stay stable under inserts. */
  async list(
    db: SqlExecutor,
    query: ListQuery,
  ): Promise<Array<Omit<OrderView, 'items' | 'steps' | 'history'>>> {
    const rows = await queryRows<OrderRow>(
      db,
      `SELECT * FROM orders
       WHERE ($1::text IS NULL OR status = $1)
         AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [query.status ?? null, query.after?.createdAt ?? null, query.after?.id ?? null, query.limit],
    );
    return rows.map((row) => this.summary(row));
  }

  private summary(row: OrderRow): Omit<OrderView, 'items' | 'steps' | 'history'> {
    return {
      id: row.id,
      status: row.status,
      reason: row.reason,
      customerId: row.customer_id,
      currency: row.currency,
      total: Number(row.total),
      correlationId: row.correlation_id,
      traceId: row.trace_id,
      deadline: row.deadline.toISOString(),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }
}
