import { INBOX_MIGRATIONS } from '@order-saga/inbox';
import { OUTBOX_MIGRATIONS } from '@order-saga/outbox';
import { CreatePayments1732780100000 } from '../../../services/payments-adapter/src/payments/infrastructure/migrations/1732780100000-create-payments.ts';
import { RefundOutcome1764547300000 } from '../../../services/payments-adapter/src/payments/infrastructure/migrations/1764547300000-refund-outcome.ts';
import { PaymentWebhooks1764576000000 } from '../../../services/payments-adapter/src/payments/infrastructure/migrations/1764576000000-payment-webhooks.ts';
import type { Scratch } from './scratch.ts';

/** The payments-adapter's schema in a scratch database: outbox, inbox and its own migrations, as main.ts lists them. */
export async function migratePaymentsSchema(s: Scratch): Promise<void> {
  const runner = s.db.createQueryRunner();
  try {
    for (const Migration of [
      ...OUTBOX_MIGRATIONS,
      ...INBOX_MIGRATIONS,
      CreatePayments1732780100000,
      RefundOutcome1764547300000,
      PaymentWebhooks1764576000000,
    ])
      await new Migration().up(runner);
  } finally {
    await runner.release();
  }
}
