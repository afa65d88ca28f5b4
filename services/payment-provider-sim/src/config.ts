import { z } from 'zod';
import { baseConfigShape, loadConfig } from '@order-saga/service-runtime';

const Secret = z.string().min(16, 'must be at least 16 characters');

const ProviderConfig = z.object({
  ...baseConfigShape,
  /** Where asynchronous results are POSTed (the adapter's /payments/callback); unset = no async mode. */
  WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Signs every webhook (HMAC-SHA256); the receiver holds the same secret. */
  WEBHOOK_SECRET: Secret.optional(),
  /** During a rotation, the old secret: webhooks then carry one signature per secret. */
  WEBHOOK_SECRET_PREVIOUS: Secret.optional(),
  /** Seeds latency and fault draws, so a run can be repeated exactly; unset = a random seed. */
  PROVIDER_SEED: z.coerce.number().int().min(0).max(4_294_967_295).optional(),
});

export type ProviderConfig = z.infer<typeof ProviderConfig>;

export function loadProviderConfig(env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  return loadConfig(ProviderConfig, env);
}
