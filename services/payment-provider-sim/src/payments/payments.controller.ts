import {
  Body,
  Controller,
  Get,
  Headers,
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
import { Currency, MinorUnits } from '@order-saga/contracts';
import type { Logger } from '@order-saga/observability';
import { ProblemError, requestContext } from '@order-saga/service-runtime';
import { Ledger, type LedgerError, type Payment, type Refund } from './ledger';

const AuthorizeRequest = z.strictObject({
  reference: z.string().min(1).max(128),
  amount: MinorUnits,
  currency: Currency,
  paymentMethod: z.string().min(1).max(64),
});

export const PROVIDER_LOGGER = Symbol('ProviderLogger');

const IDEMPOTENCY_KEY = /^[A-Za-z0-9:._-]{1,255}$/;

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
      return new ProblemError(
        402,
        'REFUND.REFUSED',
        'The card issuer refused the refund',
        'refunds of this card are refused (test payment method pm_card_refund_fails)',
      );
  }
}

/** The processor's API, shaped after real card processors: idempotent POSTs, test tokens. */
@Controller('v1')
export class PaymentsController {
  constructor(
    @Inject(Ledger) private readonly ledger: Ledger,
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

  @Post('payments')
  authorize(
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Payment {
    const idempotencyKey = requireKey(key);
    const parsed = AuthorizeRequest.safeParse(body);
    if (!parsed.success) {
      throw new ProblemError(
        400,
        'PAYMENT.VALIDATION_FAILED',
        'The payment request is invalid',
        undefined,
        parsed.error.issues.map((i) => ({
          field: i.path.join('.') || '(body)',
          message: i.message,
        })),
      );
    }
    const result = this.ledger.authorize(idempotencyKey, parsed.data);
    if ('error' in result) throw ledgerProblem(result);
    const { payment, replayed } = result;
    this.log(
      request,
      { orderId: payment.reference, paymentId: payment.id, status: payment.status, replayed },
      payment.status === 'approved' ? 'provider.payment_approved' : 'provider.payment_declined',
    );
    void reply
      .status(result.replayed ? 200 : 201)
      .header('idempotent-replayed', String(result.replayed));
    return result.payment;
  }

  @Post('payments/:id/refunds')
  refund(
    @Headers('idempotency-key') key: string | undefined,
    @Param('id') paymentId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Refund {
    const result = this.ledger.refund(requireKey(key), paymentId);
    if ('error' in result) throw ledgerProblem(result);
    const { refund, replayed } = result;
    this.log(
      request,
      { orderId: refund.reference, paymentId, refundId: refund.id, replayed },
      'provider.refunded',
    );
    void reply
      .status(result.replayed ? 200 : 201)
      .header('idempotent-replayed', String(result.replayed));
    return result.refund;
  }

  @Get('payments/:id')
  get(@Param('id') id: string): Payment {
    const payment = this.ledger.payment(id);
    if (payment === undefined) throw ledgerProblem({ error: 'PAYMENT_NOT_FOUND' });
    return payment;
  }

  /** Inspection endpoint for tests and the demo: what the processor recorded. */
  @Get('records')
  @HttpCode(200)
  records(@Query('reference') reference?: string): { payments: Payment[]; refunds: Refund[] } {
    return this.ledger.records(reference);
  }
}
