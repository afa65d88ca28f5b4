import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requestContext } from '@order-saga/service-runtime';
import type { OrderView } from '../domain/order';
import { ORDER_STATUSES } from '../domain/order-status';
import { CreateOrderHandler } from '../application/create-order.handler';
import { OrderQueries } from '../application/order.queries';
import { parseCreateOrder } from './create-order.request';
import {
  orderIdMalformed,
  orderNotFound,
  orderQueryInvalid,
  orderValidationFailed,
} from './order.problems';

const UUID = z.uuid();

const ListQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

@Controller('orders')
export class OrdersController {
  constructor(
    @Inject(CreateOrderHandler) private readonly createOrder: CreateOrderHandler,
    @Inject(OrderQueries) private readonly queries: OrderQueries,
  ) {}

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const parsed = parseCreateOrder(body);
    if (!parsed.ok) throw orderValidationFailed(parsed.errors);
    const context = requestContext(request);
    const order = await this.createOrder.execute(parsed.order, {
      correlationId: context.correlationId,
      traceId: context.trace.traceId,
      traceparent: context.traceparent,
      tracestate: context.tracestate,
    });
    void reply.header('location', `/orders/${order.id}`);
    return order;
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<OrderView> {
    if (!UUID.safeParse(id).success) throw orderIdMalformed(id);
    const order = await this.queries.get(id);
    if (order === undefined) throw orderNotFound(id);
    return order;
  }

  @Get()
  async list(@Query() query: unknown): Promise<Awaited<ReturnType<OrderQueries['list']>>> {
    const parsed = ListQuery.safeParse(query);
    if (!parsed.success) {
      throw orderQueryInvalid(
        parsed.error.issues.map((i) => ({
          field: i.path.join('.') || '(query)',
          message: i.message,
        })),
      );
    }
    const result = await this.queries.list(parsed.data);
    if (result === 'bad-cursor')
      throw orderQueryInvalid([{ field: 'cursor', message: 'is not a cursor from this API' }]);
    return result;
  }
}
