import { Body, Get, HttpCode, Inject, Patch, Post, Query } from '@nestjs/common';
import { problemFieldsOf } from '@order-saga/contracts';
import type { Logger } from '@order-saga/observability';
import { AdminController, ProblemError } from '@order-saga/service-runtime';
import { Ledger, type CallRecord, type Payment, type Refund } from '../payments/ledger';
import { PROVIDER_LOGGER } from '../payments/payments.controller';
import { BehaviourPatch, type Behaviour } from '../processor/behaviour';
import { Processor, WebhooksNotConfiguredError } from '../processor/processor';
import {
  WebhookDispatcher,
  type DeliveryRecord,
  type WebhookTarget,
} from '../webhooks/webhook-dispatcher';

export const WEBHOOK_TARGET = Symbol('WebhookTarget');

export interface ProviderStatus {
  readonly behaviour: Behaviour;
  /** False during an outage: what /health/ready says too. */
  readonly available: boolean;
  /** Every call since the start, by outcome (approved, declined, outage, http-503, timeout, ...). */
  readonly calls: Record<string, number>;
  readonly webhooks: { readonly url: string | null; readonly secrets: number };
}

export interface ProviderLedger {
  readonly payments: Payment[];
  readonly refunds: Refund[];
  readonly calls: CallRecord[];
  readonly webhooks: DeliveryRecord[];
}

/**
 * The simulator's knobs and ledger, on the admin port only: what the demo, the tests, the
 * benchmark and `npm run provider` use to inject faults and to see what was charged.
 */
@AdminController('provider')
export class ProviderAdminController {
  constructor(
    @Inject(Processor) private readonly processor: Processor,
    @Inject(Ledger) private readonly ledger: Ledger,
    @Inject(WebhookDispatcher) private readonly webhooks: WebhookDispatcher,
    @Inject(WEBHOOK_TARGET) private readonly target: WebhookTarget | null,
    @Inject(PROVIDER_LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  status(): ProviderStatus {
    return {
      behaviour: this.processor.current(),
      available: this.processor.available(),
      calls: this.ledger.callCounts(),
      webhooks: { url: this.target?.url ?? null, secrets: this.target?.secrets.length ?? 0 },
    };
  }

  /** Changes any subset of the knobs; the answer is the whole behaviour now in force. */
  @Patch()
  update(@Body() body: unknown): ProviderStatus {
    const parsed = BehaviourPatch.safeParse(body);
    if (!parsed.success)
      throw new ProblemError(400, 'PROVIDER.KNOBS_INVALID', 'The knob settings are invalid', {
        errors: problemFieldsOf(parsed.error),
      });
    try {
      this.processor.update(parsed.data);
    } catch (error) {
      if (error instanceof WebhooksNotConfiguredError)
        throw new ProblemError(409, 'PROVIDER.WEBHOOKS_NOT_CONFIGURED', error.message);
      throw error;
    }
    this.logger.info({ change: parsed.data }, 'provider.behaviour_changed');
    return this.status();
  }

  /** Back to the perfect processor (instant, never failing, synchronous). */
  @Post('reset')
  @HttpCode(200)
  reset(): ProviderStatus {
    this.processor.reset();
    this.logger.info('provider.behaviour_reset');
    return this.status();
  }

  @Get('ledger')
  ledgerView(
    @Query('reference') reference?: string,
    @Query('since') since?: string,
  ): ProviderLedger {
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      throw new ProblemError(
        400,
        'PROVIDER.LEDGER_QUERY_INVALID',
        '`since` must be an ISO 8601 time',
      );
    return {
      ...this.ledger.records(reference),
      calls: this.ledger.calls({
        ...(reference === undefined ? {} : { reference }),
        ...(since === undefined ? {} : { since }),
      }),
      webhooks: this.webhooks.deliveries(reference),
    };
  }
}
