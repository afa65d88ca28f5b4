import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { problemFieldsOf } from '@order-saga/contracts';
import { SagaMetrics } from '@order-saga/observability';
import { isPoolSaturated } from '@order-saga/persistence';
import {
  IdempotentRequests,
  idempotentRequestOf,
  sendOutcome,
  sendStored,
  type RecordResponse,
  type StoredResponse,
} from '@order-saga/idempotency';
import {
  PROBLEM_CONTENT_TYPE,
  problemBody,
  requestContext,
  type RequestContext,
} from '@order-saga/service-runtime';
import { AdmissionControl } from '../application/admission-control';
import { CreateOrderHandler, type CommandContext } from '../application/create-order.handler';
import { ORDER_STATUSES, OrderQueries, type OrderView } from '../application/order.queries';
import { parseCreateOrder } from './create-order.request';
import {
  orderIdMalformed,
  orderNotFound,
  orderQueryInvalid,
  orderValidationFailed,
  ordersOverloaded,
} from './order.problems';

const UUID = z.uuid();

const ListQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

function commandContext(context: RequestContext): CommandContext {
  return {
    correlationId: context.correlationId,
    traceId: context.trace.traceId,
    traceparent: context.traceparent,
    tracestate: context.tracestate,
  };
}

function created(order: OrderView): StoredResponse {
  return {
    status: 201,
    headers: { 'content-type': 'application/json; charset=utf-8', location: `/orders/${order.id}` },
    body: JSON.stringify(order),
  };
}

@Controller('orders')
export class OrdersController {
  constructor(
    @Inject(CreateOrderHandler) private readonly createOrder: CreateOrderHandler,
    @Inject(OrderQueries) private readonly queries: OrderQueries,
    @Inject(IdempotentRequests) private readonly idempotent: IdempotentRequests,
    @Inject(AdmissionControl) private readonly admission: AdmissionControl,
    @Inject(SagaMetrics) private readonly metrics: SagaMetrics,
  ) {}

  /**
   * With an Idempotency-Key the response is recorded with the order (or on its own, for a 400)
   * and replayed to retries byte for byte; see @order-saga/idempotency.
   */
  @Post()
  async create(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = requestContext(request);
    const idempotent = idempotentRequestOf(request.headers, 'POST /orders', body);
    if (idempotent === undefined) {
      const parsed = parseCreateOrder(body);
      if (!parsed.ok) throw orderValidationFailed(parsed.errors);
      const order = await this.admitted(() =>
        this.createOrder.execute(parsed.order, commandContext(context)),
      );
      sendStored(reply, created(order));
      return;
    }
    const outcome = await this.idempotent.run(idempotent, (record) =>
      this.createRecorded(body, request.url, context, record),
    );
    sendOutcome(reply, outcome);
  }

  private async createRecorded(
    body: unknown,
    url: string,
    context: RequestContext,
    record: RecordResponse,
  ): Promise<StoredResponse> {
    const parsed = parseCreateOrder(body);
    if (!parsed.ok) {
      // Stored like any answer: a retry of the same invalid request gets the same 400.
      const rejected: StoredResponse = {
        status: 400,
        headers: { 'content-type': PROBLEM_CONTENT_TYPE },
        body: JSON.stringify(problemBody(orderValidationFailed(parsed.errors), url)),
      };
      await record(rejected);
      return rejected;
    }
    // Shed before anything is written: the key is released unrecorded, so the client's retry
    // after Retry-After runs the request for real (a replay of a finished key is still served).
    let response: StoredResponse | undefined;
    await this.admitted(() =>
      this.createOrder.execute(parsed.order, commandContext(context), async (tx, order) => {
        response = created(order);
        await record(response, tx);
      }),
    );
    if (response === undefined) throw new Error('the order committed without its response');
    return response;
  }

  /**
   * Creates a valid order if the backlog and the connection pool have room: past either bound,
   * 503 with Retry-After before anything is written (bad input still gets its 400 first).
   */
  private async admitted<T>(create: () => Promise<T>): Promise<T> {
    const admission = this.admission.admit();
    if (!admission.admitted) {
      this.metrics.ordersShed.inc({ bound: admission.bound });
      throw ordersOverloaded(admission);
    }
    try {
      return await create();
    } catch (error) {
      this.admission.giveBack();
      // Admitted, then no connection came free before the pool's timeout: shed late, by the
      // pool (the problem mapping answers 503 SERVICE.OVERLOADED; nothing was written).
      if (isPoolSaturated(error)) this.metrics.ordersShed.inc({ bound: 'pool' });
      throw error;
    }
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
      throw orderQueryInvalid(problemFieldsOf(parsed.error, '(query)'));
    }
    const result = await this.queries.list(parsed.data);
    if (result === 'bad-cursor')
      throw orderQueryInvalid([{ field: 'cursor', message: 'is not a cursor from this API' }]);
    return result;
  }
}
