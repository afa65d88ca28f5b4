import type { SqlExecutor } from '@order-saga/persistence';
import { ORDER_SAGA, summarize } from '@order-saga/saga-definition';
import { orderWaiting } from '../domain/dependency-status';
import type { OrderView } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { DependencyStatusRepository } from '../infrastructure/dependency-status.repository';
import type { OrderRepository, OrderSummary } from '../infrastructure/order.repository';

// What the HTTP interface shows of an order, named here so controllers reach domain/ only through use cases.
export type { OrderView } from '../domain/order';
export { ORDER_STATUSES } from '../domain/order-status';

export interface OrderPage {
  readonly items: readonly OrderSummary[];
  /** Opaque; pass back as `cursor` for the next page. Null on the last page. */
  readonly nextCursor: string | null;
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      if (Number.isNaN(Date.parse(value[0])) || !/^[0-9a-f-]{36}$/.test(value[1])) return undefined;
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // falls through: not a cursor we issued
  }
  return undefined;
}

export class OrderQueries {
  constructor(
    private readonly db: SqlExecutor,
    private readonly orders: OrderRepository,
    private readonly sagaMode: 'choreography' | 'orchestration',
    private readonly statuses: DependencyStatusRepository,
  ) {}

  /** The order with its saga at a glance: done, running, remaining, compensated, from the definition. */
  async get(id: string): Promise<OrderView | undefined> {
    const order = await this.orders.findView(this.db, id);
    if (order === undefined) return undefined;
    const statuses = new Map(order.steps.map((step) => [step.name, step.status] as const));
    const provider = await this.statuses.find(this.db, 'payment-provider');
    return {
      ...order,
      saga: { mode: this.sagaMode, ...summarize(ORDER_SAGA, statuses) },
      waiting: orderWaiting(order.status, provider),
    };
  }

  async list(query: {
    status?: OrderStatus;
    limit: number;
    cursor?: string;
  }): Promise<OrderPage | 'bad-cursor'> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) return 'bad-cursor';
    const rows = await this.orders.list(this.db, {
      limit: query.limit + 1,
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(after === undefined ? {} : { after }),
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit && last !== undefined
          ? encodeCursor(last.createdAt, last.id)
          : null,
    };
  }
}
