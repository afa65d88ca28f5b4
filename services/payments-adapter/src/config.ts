import { z } from 'zod';
import {
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
  retryConfigShape,
} from '@order-saga/service-runtime';

const PaymentsConfig = z.object({
  ...baseConfigShape,
  ...kafkaConfigShape,
  ...databaseConfigShape,
  ...retryConfigShape,
  PAYMENT_PROVIDER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Per-call timeout to the provider (milliseconds); a timed-out call is retried. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  /**
   * Refusals a refund takes before it gives up (COMPENSATION_FAILED; an operator can retry).
   * At most 6: the consumer dead-letters a message after 8 ordinary failures, and a refund must
   * give up through the saga, not through a dead-letter topic.
   */
  REFUND_MAX_REFUSALS: z.coerce.number().int().min(1).max(6).default(3),
  /** Verifies the provider's signed webhooks on POST /payments/callback (HMAC-SHA256). */
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters'),
  /** During a rotation, the secret being retired: signatures by either are accepted. */
  WEBHOOK_SECRET_PREVIOUS: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * How far a webhook's signed timestamp may be from our clock (seconds). Older is stale;
   * within it, an already-seen signature is a replay.
   */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
});

export type PaymentsConfig = z.infer<typeof PaymentsConfig>;

export function loadPaymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  return loadConfig(PaymentsConfig, env);
}
