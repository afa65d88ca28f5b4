/** A source of uniform numbers in [0, 1): Math.random in production, seeded in tests and reruns. */
export type Random = () => number;

/**
 * mulberry32: a tiny, fast 32-bit generator, plenty for fault injection (not for secrets). The
 * same seed replays the same sequence of latencies and faults, so a flaky-looking run can be
 * repeated exactly with PROVIDER_SEED.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
