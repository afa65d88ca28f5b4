import type { Behaviour } from './behaviour';
import type { Random } from './random';

/**
 * What goes wrong with one call, if anything. A timeout or reset can strike after the charge was
 * made (the answer is lost on the way back), which is exactly when only the idempotency key
 * saves the customer from a second charge.
 */
export type Fault =
  | { readonly kind: 'none' }
  | { readonly kind: 'outage' }
  | { readonly kind: 'server-error'; readonly status: 500 | 502 | 503 }
  | { readonly kind: 'timeout'; readonly afterCharge: boolean }
  | { readonly kind: 'reset'; readonly afterCharge: boolean };

const SERVER_ERRORS = [500, 502, 503] as const;

/** Three draws per call, always (see sampleLatencyMs). */
export function decideFault(behaviour: Behaviour, random: Random): Fault {
  const strikes = random();
  const which = random();
  const detail = random();
  if (behaviour.outage) return { kind: 'outage' };
  if (strikes >= behaviour.errorRate) return { kind: 'none' };
  const { serverError, timeout, reset } = behaviour.errorMix;
  const total = serverError + timeout + reset;
  if (total === 0) return { kind: 'none' };
  const point = which * total;
  if (point < serverError)
    return {
      kind: 'server-error',
      status: SERVER_ERRORS[Math.floor(detail * SERVER_ERRORS.length)] ?? 503,
    };
  const afterCharge = detail < 0.5;
  return point < serverError + timeout
    ? { kind: 'timeout', afterCharge }
    : { kind: 'reset', afterCharge };
}
