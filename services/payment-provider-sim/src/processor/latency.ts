import type { Behaviour } from './behaviour';
import type { Random } from './random';

/**
 * How long one call takes (ms): base + uniform jitter + an occasional tail + the slow-down.
 * Two draws per call, always, so a seeded run's sequence does not depend on the knobs' values.
 */
export function sampleLatencyMs(behaviour: Behaviour, random: Random): number {
  const { baseMs, jitterMs, tailRate, tailMs } = behaviour.latency;
  const jitter = random() * jitterMs;
  const tail = random() < tailRate ? tailMs : 0;
  return Math.round(baseMs + jitter + tail + behaviour.slowdownMs);
}
