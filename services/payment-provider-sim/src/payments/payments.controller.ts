import {
  Body,
  Controller,
  Get,
  Headers,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Currency, MinorUnits, problemFieldsOf } from '@order-saga/contracts';
import type { Logger } from '@order-saga/observability';
import { ProblemError, requestContext } from '@order-saga/service-runtime';
import type { Fault } from '../processor/faults';
import { Processor } from '../processor/processor';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { Ledger, type LedgerError, type Payment, type Refund } from './ledger';

const AuthorizeRequest = z.strictObject({
  reference: z.string().min(1).max(128),
  amount: MinorUnits,
  currency: Currency,
  paymentMethod: z.string().min(1).max(64),
});

export const PROVIDER_LOGGER = Symbol('ProviderLogger');

const IDEMPOTENCY_KEY = /^[A-Za-z0-9:._-]{1,255}$/;

// A "timeout" holds the request open until the caller gives up (its socket closes), or this long.
const HANG_MS = 30_000;

function requireKey(key: string | undefined): string {
  if (key === undefined || !IDEMPOTENCY_KEY.test(key)) {
    throw new ProblemError(
      400,
      'IDEMPOTENCY.KEY_REQUIRED',
      'Send an Idempotency-Key header (1-255 of A-Z a-z 0-9 : . _ -)',
    );
  }
  return key;
}

function ledgerProblem(error: LedgerError): ProblemError {
  switch (error.error) {
    case 'UNKNOWN_PAYMENT_METHOD':
      return new ProblemError(422, 'PAYMENT_METHOD.UNKNOWN', 'Unknown payment method');
    case 'IDEMPOTENCY_KEY_REUSED':
      return new ProblemError(
        422,
        'IDEMPOTENCY.KEY_REUSED',
        'This Idempotency-Key was used for a different request',
      );
    case 'PAYMENT_NOT_FOUND':
      return new ProblemError(404, 'PAYMENT.NOT_FOUND', 'No such payment');
    case 'PAYMENT_NOT_REFUNDABLE':
      return new ProblemError(
        409,
        'PAYMENT.NOT_REFUNDABLE',
        'Only approved payments can be refunded',
      );
    case 'REFUND_REFUSED':
      return new ProblemError(402, 'REFUND.REFUSED', 'The card issuer refused the refund', {
        detail: 'refunds of this card are refused (test payment method pm_card_refund_fails)',
      });
  }
}

function faultName(fault: Fault): string {
  switch (fault.kind) {
    case 'server-error':
      return `http-${fault.status}`;
    case 'timeout':
    case 'reset':
      return fault.afterCharge ? `${fault.kind}-after-charge` : fault.kind;
    default:
      return fault.kind;
  }
}

const sleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The processor's API, shaped after real card processors: idempotent POSTs, test tokens, and
 * (through the admin knobs) their latency, transient failures, outages and async results.
 */
@Controller('v1')
export class PaymentsController {
  constructor(
    @Inject(Ledger) private readonly ledger: Ledger,
    @Inject(Processor) private readonly processor: Processor,
    @Inject(WebhookDispatcher) private readonly webhooks: WebhookDispatcher,
    @Inject(PROVIDER_LOGGER) private readonly logger: Logger,
  ) {}

  /** One line per decision, joined to the caller's saga by correlation and trace ids. */
  private log(request: FastifyRequest, fields: Record<string, unknown>, event: string): void {
    const context = requestContext(request);
    this.logger.info(
      { ...fields, correlationId: context.correlationId, traceId: context.trace.traceId },
      event,
    );
  }

  /**
   * Runs one call through the current behaviour: waits its latency, then either lets `charge`
   * answer, or fails the way the plan says (before or after `charge` took effect). Returns
   * undefined when the answer was a failure, already sent or never to be sent.
   */
  private async withBehaviour<T>(
    call: { operation: 'authorize' | 'refund'; key: string; reference: string | null },
    request: FastifyRequest,
    reply: FastifyReply,
    charge: () => T,
    outcomeOf: (result: T) => string,
  ): Promise<T | undefined> {
    const plan = this.processor.plan();
    const record = (outcome: string): void =>
      this.ledger.recordCall({
        ...call,
        idempotencyKey: call.key,
        outcome,
        latencyMs: plan.latencyMs,
      });
    const { fault } = plan;
    if (fault.kind === 'outage') {
      record('outage');
      throw new ProblemError(503, 'PROVIDER.UNAVAILABLE', 'The payment provider is unavailable');
    }
    await sleep(plan.latencyMs);
    if (fault.kind === 'server-error') {
      record(faultName(fault));
      throw new ProblemError(fault.status, 'PROVIDER.TRANSIENT_ERROR', 'Transient provider error');
    }
    if (fault.kind === 'timeout' || fault.kind === 'reset') {
      if (fault.afterCharge) charge();
      record(faultName(fault));
      this.log(request, { ...call, fault: faultName(fault) }, 'provider.fault_injected');
      reply.hijack();
      const socket = request.raw.socket;
      if (fault.kind === 'reset') socket.destroy();
      else this.processor.hold(socket, HANG_MS);
      return undefined;
    }
    const result = charge();
    record(outcomeOf(result));
    return result;
  }

  @Post('payments')
  async authorize(
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const idempotencyKey = requireKey(key);
    const parsed = AuthorizeRequest.safeParse(body);
    if (!parsed.success) {
      throw new ProblemError(400, 'PAYMENT.VALIDATION_FAILED', 'The payment request is invalid', {
        errors: problemFieldsOf(parsed.error),
      });
    }
    const { async } = this.processor.current();
    const result = await this.withBehaviour(
      { operation: 'authorize', key: idempotencyKey, reference: parsed.data.reference },
      request,
      reply,
      () => {
        const outcome = this.ledger.authorize(idempotencyKey, parsed.data, {
          async: async.enabled,
        });
        if (!('error' in outcome) && !outcome.replayed && outcome.payment.async)
          this.webhooks.schedule(outcome.payment, async, requestContext(request).correlationId);
        return outcome;
      },
      (outcome) =>
        'error' in outcome
          ? outcome.error.toLowerCase()
          : outcome.replayed
            ? 'replayed'
            : outcome.payment.status,
    );
    if (result === undefined) return;
    if ('error' in result) throw ledgerProblem(result);
    const { payment, replayed } = result;
    this.log(
      request,
      { orderId: payment.reference, paymentId: payment.id, status: payment.status, replayed },
      `provider.payment_${payment.status}`,
    );
    // 202: accepted, the result follows by webhook; a replay answers with the payment as it is now.
    const status = replayed ? 200 : payment.status === 'pending' ? 202 : 201;
    await reply.status(status).header('idempotent-replayed', String(replayed)).send(payment);
  }

  @Post('payments/:id/refunds')
  async refund(
    @Headers('idempotency-key') key: string | undefined,
    @Param('id') paymentId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const idempotencyKey = requireKey(key);
    const reference = this.ledger.payment(paymentId)?.reference ?? null;
    const result = await this.withBehaviour(
      { operation: 'refund', key: idempotencyKey, reference },
      request,
      reply,
      () => this.ledger.refund(idempotencyKey, paymentId),
      (outcome) =>
        'error' in outcome
          ? outcome.error.toLowerCase()
          : outcome.replayed
            ? 'replayed'
            : 'refunded',
    );
    if (result === undefined) return;
    if ('error' in result) throw ledgerProblem(result);
    const { refund, replayed } = result;
    this.log(
      request,
      { orderId: refund.reference, paymentId, refundId: refund.id, replayed },
      'provider.refunded',
    );
    await reply
      .status(replayed ? 200 : 201)
      .header('idempotent-replayed', String(replayed))
      .send(refund);
  }

  @Get('payments/:id')
  get(@Param('id') id: string): Payment {
    const payment = this.ledger.payment(id);
    if (payment === undefined) throw ledgerProblem({ error: 'PAYMENT_NOT_FOUND' });
    return payment;
  }

  /** What the processor recorded (a merchant dashboard's view), for tests and the demo. */
  @Get('records')
  records(@Query('reference') reference?: string): { payments: Payment[]; refunds: Refund[] } {
    return this.ledger.records(reference);
  }
}
