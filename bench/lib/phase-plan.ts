// Which load phases a run offers: a warm-up, the one-at-a-time POSTs, the fixed rates (the
// targets are stated at them) and the step ladder that looks for the knee. When the ladder runs,
// and what replaces it when a fixed rate already missed, is decided in phase-schedule.ts.
import type { BenchArgs } from './options.ts';
import type { PhaseSpec } from './phases.ts';

export interface PhasePlan {
  /** The first orders right after the start, one saga at a time (the cold-start target). */
  readonly cold: PhaseSpec;
  /** Always run, in this order. */
  readonly fixed: PhaseSpec[];
  /** Run after the fixed phases only if every fixed rate kept up; empty with --no-steps. */
  readonly steps: PhaseSpec[];
}

/** The plan from the flags; throws on a bad --rates. */
export function planFromArgs(args: BenchArgs): PhasePlan {
  const rates = args.rates.split(',').map(Number);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0))
    throw new Error(`--rates must be positive numbers, got ${args.rates}`);
  return phasePlan(
    args.quick,
    !args.noSteps,
    rates,
    args.seconds === '' ? undefined : Number(args.seconds),
    args.matrix,
  );
}

/**
 * @param matrix one configuration of four: shorter phases (fixed rates 10 s, steps 8 s, 100
 * sagas one at a time) so that the whole matrix fits in about 20 minutes
 */
export function phasePlan(
  quick: boolean,
  steps: boolean,
  rates: readonly number[],
  fixedSeconds: number | undefined,
  matrix = false,
): PhasePlan {
  const open = (
    name: string,
    role: PhaseSpec['role'],
    rate: number,
    seconds: number,
  ): PhaseSpec => ({
    name,
    role,
    kind: 'open',
    rate,
    durationMs: seconds * 1_000,
    count: 0,
  });
  const seconds = fixedSeconds ?? (quick ? 6 : matrix ? 10 : 20);
  const stepSeconds = quick ? 5 : matrix ? 8 : 10;
  return {
    cold: {
      name: 'first sagas',
      role: 'cold',
      kind: 'closed',
      rate: 0,
      durationMs: 0,
      count: quick ? 3 : 5,
    },
    fixed: [
      open('warmup 25/s', 'warmup', 25, quick ? 4 : 8),
      {
        name: 'one at a time',
        role: 'sequential',
        kind: 'closed',
        rate: 0,
        durationMs: 0,
        count: quick ? 60 : matrix ? 100 : 200,
      },
      ...rates.map((rate) => open(`${rate}/s`, 'fixed', rate, seconds)),
    ],
    steps: steps
      ? (quick ? [300, 400] : [300, 400, 500, 650, 800]).map((rate) =>
          open(`step ${rate}/s`, 'step', rate, stepSeconds),
        )
      : [],
  };
}
