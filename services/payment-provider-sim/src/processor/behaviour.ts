import { z } from 'zod';

/**
 * How the simulated processor behaves right now: every knob the admin endpoint and
 * `npm run provider` change at runtime. The defaults are a perfect processor (instant, never
 * failing, synchronous), so tests and the benchmark opt into each imperfection explicitly.
 */
const Percent = z.number().min(0).max(1);
const Millis = z.number().int().min(0).max(600_000);

export const Behaviour = z.strictObject({
  latency: z.strictObject({
    /** Every call takes at least this long. */
    baseMs: Millis,
    /** Plus a uniform draw from [0, jitterMs). */
    jitterMs: Millis,
    /** This share of calls also pays tailMs: the slow tail a p99 sees. */
    tailRate: Percent,
    tailMs: Millis,
  }),
  /** Added to every call on top of the latency: a provider having a bad day. */
  slowdownMs: Millis,
  /** Share of calls that fail transiently, split by errorMix's weights. */
  errorRate: Percent,
  errorMix: z.strictObject({
    /** 500, 502 or 503 before anything is charged. */
    serverError: z.number().min(0),
    /** No answer until the caller gives up; half of them after the charge was made. */
    timeout: z.number().min(0),
    /** The connection is reset; half of them after the charge was made. */
    reset: z.number().min(0),
  }),
  /** Every payment call answers 503 at once and /health/ready fails. */
  outage: z.boolean(),
  async: z.strictObject({
    /** Charges answer 202 pending; the result follows as signed webhooks. */
    enabled: z.boolean(),
    /** Between the 202 and the first webhook, and between webhooks. */
    delayMs: Millis,
    /** Share of webhook events delivered twice. */
    duplicateRate: Percent,
    /** Share of payments whose final event is sent before `payment.processing`. */
    reorderRate: Percent,
  }),
});
export type Behaviour = z.infer<typeof Behaviour>;

export const PERFECT: Behaviour = {
  latency: { baseMs: 0, jitterMs: 0, tailRate: 0, tailMs: 0 },
  slowdownMs: 0,
  errorRate: 0,
  errorMix: { serverError: 1, timeout: 1, reset: 1 },
  outage: false,
  async: { enabled: false, delayMs: 100, duplicateRate: 0.3, reorderRate: 0.3 },
};

/** A change to the knobs: any subset, nested objects partially. */
export const BehaviourPatch = z.strictObject({
  latency: Behaviour.shape.latency.partial().optional(),
  slowdownMs: Millis.optional(),
  errorRate: Percent.optional(),
  errorMix: Behaviour.shape.errorMix.partial().optional(),
  outage: z.boolean().optional(),
  async: Behaviour.shape.async.partial().optional(),
});
export type BehaviourPatch = z.infer<typeof BehaviourPatch>;

export function applyPatch(current: Behaviour, patch: BehaviourPatch): Behaviour {
  return {
    latency: { ...current.latency, ...patch.latency },
    slowdownMs: patch.slowdownMs ?? current.slowdownMs,
    errorRate: patch.errorRate ?? current.errorRate,
    errorMix: { ...current.errorMix, ...patch.errorMix },
    outage: patch.outage ?? current.outage,
    async: { ...current.async, ...patch.async },
  };
}
