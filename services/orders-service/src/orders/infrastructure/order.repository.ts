import type { CancellationReason, OrderLine } from '@order-saga/contracts';
import { execute, namedStatement, queryRows, type SqlExecutor } from '@order-saga/persistence';
import { ORDER_SAGA, type StepStatus } from '@order-saga/saga-definition';
import type { LateFact, OrderTransition, OrderView, SagaStep } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { undoneBy, type StepUpdate } from '../domain/saga-step';

export type OrderSummary = Omit<
  OrderView,
  'items' | 'steps' | 'history' | 'saga' | 'lateFacts' | 'waiting'
>;

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
  readonly id: string;
  readonly status: OrderStatus;
  readonly reason: CancellationReason | null;
  readonly createdAt: Date;
  /** The saga's timeline so far: step and compensation statuses by name. */
  readonly steps: ReadonlyMap<string, StepStatus>;
}

export interface ExpiredOrder extends LockedOrder {
  readonly deadline: Date;
  readonly correlationId: string;
  readonly traceId: string;
}

/** Age of the oldest unfinished saga per status, and how many are past their deadline. */
export interface SagaBacklog {
  /** Unfinished sagas, every replica's. */
  readonly inFlight: number;
  readonly oldestSeconds: ReadonlyMap<OrderStatus, number>;
  readonly pastDeadline: number;
}

interface LockedRow {
  id: string;
  status: OrderStatus;
  reason: CancellationReason | null;
  created_at: Date;
  steps: Record<string, StepStatus> | null;
}

const toLocked = (row: LockedRow): LockedOrder => ({
  id: row.id,
  status: row.status,
  reason: row.reason,
  createdAt: row.created_at,
  steps: new Map(Object.entries(row.steps ?? {})),
});

// The order row and its steps in one round trip; FOR UPDATE locks the order row only.
const LOCK_COLUMNS = `o.id, o.status, o.reason, o.created_at,
  (SELECT json_object_agg(s.name, s.status) FROM saga_steps s WHERE s.order_id = o.id) AS steps`;

/** Sagas not yet finished: what the deadline sweeper and the backlog gauges look at. */
export const UNFINISHED: readonly OrderStatus[] = [
  'CREATED',
  'PAYMENT_PENDING',
  'PAID',
  'COMPENSATING',
];

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

/** Timeline order: the saga's steps, then their compensations last-done first (the definition's). */
const STEP_ORDER = [
  ...ORDER_SAGA.steps.map((step) => step.name),
  ...[...ORDER_SAGA.steps].reverse().map((step) => step.compensation.name),
];

// started_at is set when a step is first seen in progress or done; finished_at when done.
// Parameters: $1 the order, $2-$5 the updates' names, statuses, attempts and details.
const STEPS_UPSERT = `
  INSERT INTO saga_steps AS s (order_id, name, status, attempts, detail, started_at, finished_at)
  SELECT $1, name, status, COALESCE(attempts, 0), detail, now(),
         CASE WHEN status IN ('PENDING', 'IN_PROGRESS') THEN NULL ELSE now() END
  FROM unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS u(name, status, attempts, detail)
  ON CONFLICT (order_id, name) DO UPDATE SET
    status = EXCLUDED.status,
    attempts = GREATEST(s.attempts, EXCLUDED.attempts),
    detail = COALESCE(EXCLUDED.detail, s.detail),
    started_at = COALESCE(s.started_at, EXCLUDED.started_at),
    finished_at = COALESCE(EXCLUDED.finished_at, s.finished_at)
  WHERE saga_step_rank(s.status) < saga_step_rank(EXCLUDED.status)`;

// The statements every consumed fact runs, named (docs/performance.md, Named statements).
const LOCK = namedStatement(`SELECT ${LOCK_COLUMNS} FROM orders o WHERE o.id = $1 FOR UPDATE OF o`);
const RECORD_STEPS = namedStatement(STEPS_UPSERT);
// Data-modifying CTEs on three different tables: one statement, one snapshot, the same rows
// written as by three statements in a row (none of them reads what another writes).
const RECORD_TRANSITION = namedStatement(
  `WITH steps AS (${STEPS_UPSERT}),
   transitions AS (
     INSERT INTO order_transitions (order_id, from_status, to_status, reason, message_id, message_type)
     SELECT $1, f, t, $8, $9, $10 FROM unnest($6::text[], $7::text[]) AS h(f, t)
   )
   UPDATE orders SET status = $11, reason = COALESCE($8, reason), updated_at = now() WHERE id = $1`,
);

/** A move of the state machine: the hops from `from`, and the message that caused them. */
export interface Transition {
  readonly from: OrderStatus;
  readonly hops: readonly OrderStatus[];
  readonly reason: CancellationReason | null;
  readonly cause: Cause;
}

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
    const [row] = await queryRows<LockedRow>(tx, LOCK, [id]);
    return row === undefined ? undefined : toLocked(row);
  }

  /**
   * Locks up to `limit` orders whose saga is running past its deadline, oldest deadline first.
   * SKIP LOCKED: an order another sweeper replica (or a fact being applied) holds is left to it;
   * once that commits the order is no longer running, so no two replicas ever give it up twice.
   */
  async lockExpired(tx: SqlExecutor, limit: number): Promise<ExpiredOrder[]> {
    const rows = await queryRows<
      LockedRow & { deadline: Date; correlation_id: string; trace_id: string }
    >(
      tx,
      `SELECT ${LOCK_COLUMNS}, o.deadline, o.correlation_id, o.trace_id FROM orders o
       WHERE o.status IN ('CREATED', 'PAYMENT_PENDING', 'PAID') AND o.deadline <= now()
       ORDER BY o.deadline LIMIT $1 FOR UPDATE OF o SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => ({
      ...toLocked(row),
      deadline: row.deadline,
      correlationId: row.correlation_id,
      traceId: row.trace_id,
    }));
  }

  async backlog(db: SqlExecutor): Promise<SagaBacklog> {
    const rows = await queryRows<{
      status: OrderStatus;
      total: number;
      oldest: number;
      past: number;
    }>(
      db,
      `SELECT status, count(*)::int AS total,
              extract(epoch FROM now() - min(created_at))::float8 AS oldest,
              count(*) FILTER (WHERE deadline <= now())::int AS past
       FROM orders WHERE status = ANY($1::text[]) GROUP BY status`,
      [UNFINISHED],
    );
    return {
      inFlight: rows.reduce((sum, row) => sum + row.total, 0),
      oldestSeconds: new Map(rows.map((row) => [row.status, Math.max(0, row.oldest)])),
      pastDeadline: rows.reduce((sum, row) => sum + row.past, 0),
    };
  }

  /** A fact that arrived after the saga gave up or ended: it changes nothing, it is noted. */
  async recordLateFact(
    tx: SqlExecutor,
    id: string,
    cause: Cause,
    status: OrderStatus,
  ): Promise<void> {
    await tx.query(
      'INSERT INTO order_late_facts (order_id, message_id, message_type, order_status) VALUES ($1, $2, $3, $4)',
      [id, cause.messageId, cause.type, status],
    );
  }

  /** Whether the order was ever CANCELLED (its OrderCancelled was already emitted). */
  async wasCancelled(tx: SqlExecutor, id: string): Promise<boolean> {
    const rows = await queryRows<{ found: number }>(
      tx,
      `SELECT 1 AS found FROM order_transitions WHERE order_id = $1 AND to_status = 'CANCELLED' LIMIT 1`,
      [id],
    );
    return rows.length > 0;
  }

  /**
   * A fact's effect on a locked order, in one round trip: its steps (the timeline) and, when the
   * state machine moves, the transitions with their cause and the order's new status.
   */
  async recordProgress(
    tx: SqlExecutor,
    id: string,
    steps: readonly StepUpdate[],
    transition?: Transition,
  ): Promise<void> {
    const stepValues = [
      steps.map((u) => u.name),
      steps.map((u) => u.status),
      steps.map((u) => u.attempts ?? null),
      steps.map((u) => u.detail ?? null),
    ];
    if (transition === undefined) {
      if (steps.length > 0) await execute(tx, RECORD_STEPS, [id, ...stepValues]);
      return;
    }
    const { from, hops, reason, cause } = transition;
    const previous = [from, ...hops.slice(0, -1)];
    await execute(tx, RECORD_TRANSITION, [
      id,
      ...stepValues,
      previous,
      hops,
      reason,
      cause.messageId,
      cause.type,
      hops[hops.length - 1],
    ]);
  }

  async findView(
    db: SqlExecutor,
    id: string,
  ): Promise<Omit<OrderView, 'saga' | 'waiting'> | undefined> {
    const [row] = await queryRows<OrderRow>(db, 'SELECT * FROM orders WHERE id = $1', [id]);
    if (row === undefined) return undefined;
    const [items, steps, history, late] = await Promise.all([
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
         ORDER BY array_position($2::text[], name)`,
        [id, STEP_ORDER],
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
      queryRows<{ message_id: string; message_type: string; order_status: OrderStatus; at: Date }>(
        db,
        'SELECT message_id, message_type, order_status, at FROM order_late_facts WHERE order_id = $1 ORDER BY id',
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
      steps: steps.map((step): SagaStep => {
        const undoes = undoneBy(step.name) ?? null;
        return {
          name: step.name,
          kind: undoes === null ? 'step' : 'compensation',
          undoes,
          status: step.status,
          attempts: step.attempts,
          detail: step.detail,
          lastError:
            step.status === 'FAILED'
              ? { message: step.detail ?? 'failed', at: iso(step.finished_at) }
              : null,
          startedAt: iso(step.started_at),
          finishedAt: iso(step.finished_at),
        };
      }),
      history: history.map((t): OrderTransition => ({
        from: t.from_status,
        to: t.to_status,
        reason: t.reason,
        causedBy:
          t.message_id === null ? null : { messageId: t.message_id, type: t.message_type ?? '' },
        at: t.at.toISOString(),
      })),
      lateFacts: late.map((fact): LateFact => ({
        type: fact.message_type,
        messageId: fact.message_id,
        orderStatus: fact.order_status,
        at: fact.at.toISOString(),
      })),
    };
  }

  /** Newest first, keyset-paginated on (created_at, id) so pages stay stable under inserts. */
  async list(db: SqlExecutor, query: ListQuery): Promise<Array<OrderSummary>> {
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

  private summary(row: OrderRow): OrderSummary {
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
