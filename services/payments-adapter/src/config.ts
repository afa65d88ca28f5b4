import { z } from 'zod';
import {
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
  retryConfigShape,
} from '@order-saga/service-runtime';

/** How the adapter learns that the provider is down before a call to it fails (ADR 0013). */
export const PROVIDER_WATCHES = ['http', 'endpointslices', 'off'] as const;

const count = (fallback: number) => z.coerce.number().int().min(1).max(20).default(fallback);

const PaymentsConfig = z
  .object({
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

export function loadPaymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  return loadConfig(PaymentsConfig, env);
}
