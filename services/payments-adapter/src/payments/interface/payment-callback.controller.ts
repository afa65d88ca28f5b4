import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  PaymentWebhookEvent,
  SIGNATURE_HEADER,
  verifyWebhook,
  problemFieldsOf,
  type ErrorCode,
} from '@order-saga/contracts';
import type { Logger } from '@order-saga/observability';
import { ProblemError } from '@order-saga/service-runtime';
import {
  ApplyPaymentWebhookHandler,
  WebhookRefused,
  type WebhookOutcome,
} from '../application/apply-payment-webhook.handler';

export const WEBHOOK_SETTINGS = Symbol('WebhookSettings');
export const CALLBACK_LOGGER = Symbol('CallbackLogger');

export interface WebhookSettings {
  /** Current first; during a rotation, the one being retired second. */
  readonly secrets: readonly string[];
  readonly toleranceSeconds: number;
}

const TITLES: Record<string, string> = {
  'WEBHOOK.SIGNATURE_MISSING': 'The Payment-Signature header is missing',
  'WEBHOOK.SIGNATURE_MALFORMED': 'The Payment-Signature header is malformed',
  'WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE': 'The signed timestamp is outside the tolerance window',
  'WEBHOOK.SIGNATURE_MISMATCH': 'The signature does not match the body',
  'WEBHOOK.REPLAYED': 'This signed request was already received',
};

/**
 * The payment provider's callback, on the public port (the provider must reach it). Nothing is
 * read from an unverified request: the signature is checked over the raw bytes first, then the
 * body is parsed, then the use case applies it. Every refusal is 401 problem+json with a stable
 * code and leaves no trace but a log line.
 */
@Controller('payments')
export class PaymentCallbackController {
  constructor(
    @Inject(ApplyPaymentWebhookHandler) private readonly handler: ApplyPaymentWebhookHandler,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    @Inject(CALLBACK_LOGGER) private readonly logger: Logger,
  ) {}

  private refuse(status: number, code: ErrorCode, detail?: string): ProblemError {
    this.logger.warn({ code, detail }, 'payment.webhook_rejected');
    return new ProblemError(status, code, TITLES[code] ?? 'The webhook was refused', {
      ...(detail === undefined ? {} : { detail }),
    });
  }

  @Post('callback')
  @HttpCode(200)
  async callback(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers(SIGNATURE_HEADER) header: string | undefined,
    @Body() body: unknown,
  ): Promise<{ received: true; outcome: WebhookOutcome }> {
    const verified = verifyWebhook(
      header,
      request.rawBody ?? Buffer.alloc(0),
      this.settings.secrets,
      Math.floor(Date.now() / 1000),
      this.settings.toleranceSeconds,
    );
    if ('rejected' in verified) throw this.refuse(401, verified.rejected);
    const event = PaymentWebhookEvent.safeParse(body);
    if (!event.success)
      throw new ProblemError(400, 'WEBHOOK.PAYLOAD_INVALID', 'The webhook event is invalid', {
        errors: problemFieldsOf(event.error),
      });
    try {
      return { received: true, outcome: await this.handler.handle(event.data, verified.signature) };
    } catch (error) {
      if (!(error instanceof WebhookRefused)) throw error;
      if (error.code === 'WEBHOOK.REPLAYED') throw this.refuse(401, error.code);
      // Signed by the provider but about no payment of ours: not an attack, a mismatch to look at.
      throw this.refuse(
        error.code === 'WEBHOOK.UNKNOWN_PAYMENT' ? 404 : 422,
        error.code,
        error.message,
      );
    }
  }
}
