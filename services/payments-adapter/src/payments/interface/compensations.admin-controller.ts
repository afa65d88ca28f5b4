import { Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { AdminController, ProblemError } from '@order-saga/service-runtime';
import { FailedCompensations, type FailedRefund } from '../application/failed-compensations';
import { RetryRefundHandler } from '../application/retry-refund.handler';

const OrderId = z.uuid();

// The breaker's default reset timeout: when it next lets a call through to find out.
const PROVIDER_RETRY_AFTER_S = 5;

/**
 * Operator endpoints for compensations that gave up (COMPENSATION_FAILED): list them, and retry
 * one. On the admin port only; `npm run saga` is the CLI beside them.
 */
@AdminController('compensations')
export class CompensationsAdminController {
  constructor(
    @Inject(RetryRefundHandler) private readonly retries: RetryRefundHandler,
    @Inject(FailedCompensations) private readonly failures: FailedCompensations,
  ) {}

  /** Refunds that gave up, oldest first. */
  @Get()
  async failed(): Promise<{ items: FailedRefund[] }> {
    return { items: await this.failures.list() };
  }

  /** One more refund call to the provider, now; on success the saga's compensation completes. */
  @Post(':orderId/retry')
  @HttpCode(200)
  async retry(
    @Param('orderId') orderId: string,
  ): Promise<{ orderId: string; outcome: 'refunded'; providerRefundId: string }> {
    if (!OrderId.safeParse(orderId).success)
      throw new ProblemError(400, 'COMPENSATION.ORDER_ID_MALFORMED', 'The order id is not a UUID', {
        detail: `"${orderId.slice(0, 64)}" is not a UUID`,
      });
    const result = await this.retries.retry(orderId);
    switch (result.outcome) {
      case 'refunded':
        return { orderId, outcome: 'refunded', providerRefundId: result.providerRefundId };
      case 'refused':
        throw new ProblemError(
          409,
          'COMPENSATION.REFUND_REFUSED',
          'The provider refused the refund again',
          { detail: result.detail },
        );
      case 'unavailable':
        throw new ProblemError(
          503,
          'COMPENSATION.PROVIDER_UNAVAILABLE',
          'The payment provider is unavailable',
          {
            detail: `nothing was changed; retry after the time in Retry-After (${result.detail})`,
            headers: { 'retry-after': String(PROVIDER_RETRY_AFTER_S) },
          },
        );
      case 'not-found':
        throw new ProblemError(404, 'COMPENSATION.NOT_FOUND', 'No payment for this order', {
          detail: `order ${orderId} has no payment`,
        });
      case 'not-failed':
        throw new ProblemError(409, 'COMPENSATION.NOT_FAILED', 'This compensation has not failed', {
          detail: `the payment is ${result.status}; only a refund that gave up (REFUND_FAILED) can be retried`,
        });
    }
  }
}
