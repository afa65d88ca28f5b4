import type { SqlExecutor } from '@order-saga/persistence';
import type { OrderView } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { OrderRepository } from '../infrastructure/order.repository';

export interface OrderPage {
  readonly items: ReadonlyArray<Omit<OrderView, 'items' | 'steps' | 'history'>>;
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
  ) {}

  get(id: string): Promise<OrderView | undefined> {
    return this.orders.findView(this.db, id);
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
