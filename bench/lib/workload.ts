// The orders the benchmark sends: the same mix in every load phase and in the no-op floor, so
// that every figure is measured with the same request.
import type { OrderMix } from './load-protocol.ts';

export const SKUS = Array.from({ length: 50 }, (_, i) => `SKU-BENCH-${i}`);
/** 1 order in 50 pays with a declining card: the cancel path runs too, and must end CANCELLED. */
export const MIX: OrderMix = { skus: SKUS, declineEvery: 50 };
export const REQUEST_TIMEOUT_MS = 30_000;
