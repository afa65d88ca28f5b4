import { z } from 'zod';
import {
  breakerPolicy,
  retryPolicy,
  type BreakerPolicy,
  type RetryPolicy,
} from '@order-saga/resilience';
import { ConfigError, loadConfig, sagaParticipantConfigShape } from '@order-saga/service-runtime';

/** How the adapter learns that the provider is down before a call to it fails (ADR 0013). */
export const PROVIDER_WATCHES = ['http', 'endpointslices', 'off'] as const;

const count = (fallback: number) => z.coerce.number().int().min(1).max(20).default(fallback);

const PaymentsConfig = z
  .object({
    ...sagaParticipantConfigShape,
    PAYMENT_PROVIDER_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** Per-call timeout to the provider (milliseconds); a timed-out call is retried. */
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
    /**
     * In-call retries of a transient provider failure (no answer, 5xx), with exponential backoff
     * and full jitter: tries per handling of a message, the first included. When they are spent
     * (or PROVIDER_RETRY_BUDGET_MS), the message waits and is redelivered, never dead-lettered.
     */
    PROVIDER_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    /** Ceiling of the first retry's delay (ms); doubles per retry up to PROVIDER_RETRY_CAP_MS. */
    PROVIDER_RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(50),
    PROVIDER_RETRY_CAP_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
    /** No in-call retry starts later than this after the first try (ms). */
    PROVIDER_RETRY_BUDGET_MS: z.coerce.number().int().min(0).max(120_000).default(3_000),
    /**
     * The circuit breaker around the provider: it opens when more than
     * BREAKER_ERROR_THRESHOLD_PERCENT of the calls in the last BREAKER_WINDOW_MS failed (once
     * BREAKER_VOLUME_THRESHOLD calls were made), and lets a probe through
     * BREAKER_RESET_TIMEOUT_MS after it opened.
     */
    BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce.number().int().min(1).max(99).default(50),
    BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).max(1_000).default(10),
    BREAKER_WINDOW_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
    BREAKER_RESET_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /**
     * Redis shares the breaker across replicas (state, failure window, a pub/sub notice).
     * Optional: without it, or while it is down, each replica runs its own breaker (ADR 0012).
     */
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
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
    /**
     * Where the provider's readiness comes from: `http` polls PAYMENT_PROVIDER_URL +
     * PROVIDER_READINESS_PATH (native runs), `endpointslices` watches the provider Service's
     * EndpointSlices (Kubernetes: the chart's default), `off` neither. Unready holds the breaker open.
     */
    PROVIDER_WATCH: z.enum(PROVIDER_WATCHES).default('http'),
    PROVIDER_READINESS_PATH: z.string().startsWith('/', 'must be a path').default('/health/ready'),
    /** Between two probes (milliseconds, from the end of one to the start of the next). */
    PROVIDER_PROBE_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
    /** A probe not answered by then counts as a failure (milliseconds). */
    PROVIDER_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1_000),
    /** Failed probes in a row before the provider counts as unready (one lost probe is noise). */
    PROVIDER_PROBE_FAILURE_THRESHOLD: count(2),
    /** Good probes in a row before it counts as ready again; the breaker then half-opens. */
    PROVIDER_PROBE_SUCCESS_THRESHOLD: count(1),
    /** The provider's Service (label kubernetes.io/service-name of its EndpointSlices). */
    PROVIDER_SERVICE_NAME: z
      .string()
      .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Service name (DNS-1035 label)')
      .optional(),
    /** Our namespace (downward API); the EndpointSlice Role is granted there only. */
    POD_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a namespace name (DNS-1123 label)')
      .optional(),
    /**
     * A kubeconfig file for the EndpointSlice watch when not running in a pod (tests, a laptop);
     * unset, it uses the pod's service account token.
     */
    KUBECONFIG: z.string().min(1).optional(),
  })
  .superRefine((config, context) => {
    if (config.PROVIDER_WATCH !== 'endpointslices') return;
    for (const name of ['PROVIDER_SERVICE_NAME', 'POD_NAMESPACE'] as const)
      if (config[name] === undefined)
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'required when PROVIDER_WATCH=endpointslices',
        });
  });

export type PaymentsConfig = z.infer<typeof PaymentsConfig>;

/** The in-call retry policy; a base above the cap fails at boot (exit 78). */
export function providerRetryPolicy(config: PaymentsConfig): RetryPolicy {
  if (config.PROVIDER_RETRY_BASE_MS > config.PROVIDER_RETRY_CAP_MS)
    throw new ConfigError(
      `invalid configuration:\n  PROVIDER_RETRY_BASE_MS: must not exceed PROVIDER_RETRY_CAP_MS (${config.PROVIDER_RETRY_BASE_MS} > ${config.PROVIDER_RETRY_CAP_MS})`,
    );
  return retryPolicy({
    baseMs: config.PROVIDER_RETRY_BASE_MS,
    capMs: config.PROVIDER_RETRY_CAP_MS,
    attempts: config.PROVIDER_RETRY_ATTEMPTS,
    jitter: 'full',
    whenExhausted: 'fail',
  });
}

export function providerBreakerPolicy(config: PaymentsConfig): BreakerPolicy {
  return breakerPolicy({
    errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    windowMs: config.BREAKER_WINDOW_MS,
    resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
  });
}

export function loadPaymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  return loadConfig(PaymentsConfig, env);
}
