import type { SqlExecutor } from '@order-saga/persistence';
import type { FailedRefund, PaymentRepository } from '../infrastructure/payment.repository';

export type { FailedRefund };

/** The compensations that gave up (refunds marked REFUND_FAILED), for an operator. */
export class FailedCompensations {
  constructor(
    private readonly db: SqlExecutor,
    private readonly payments: PaymentRepository,
  ) {}

  /** Oldest first. */
  list(): Promise<FailedRefund[]> {
    return this.payments.failedRefunds(this.db);
  }
}
