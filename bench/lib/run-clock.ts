// The run's clock and time budget. Progress lines count from the start and the load phases stop
// being scheduled once the budget is spent, so both need the same origin: the moment the entry
// point starts, after its imports have loaded (loading is not part of the run).
import { epochNow } from './http-client.ts';

/**
 * A single configuration must end within 10 minutes: load phases stop being scheduled 8 minutes
 * after its start. In a --matrix run each configuration has MATRIX_LOAD_BUDGET_MS.
 */
export const LOAD_BUDGET_MS = 8 * 60_000;
export const MATRIX_LOAD_BUDGET_MS = 3.5 * 60_000;
/** The longest a drain waits for a phase's sagas to finish after its load. */
export const DRAIN_TIMEOUT_MS = 60_000;
/** A drain that sees no saga finish for this long has stalled. */
export const STALL_MS = 10_000;

let started = Number.NaN;
let loadDeadline = Number.NaN;

/** Called once by the entry point; until then every elapsed time is NaN, which shows. */
export function startClock(): void {
  started = epochNow();
  loadDeadline = started + LOAD_BUDGET_MS;
}

/** A configuration of a matrix run starts: its load phases get `budgetMs` from now. */
export function startLoadBudget(budgetMs: number): void {
  loadDeadline = epochNow() + budgetMs;
}

/** Epoch ms after which no load phase is started. */
export function loadDeadlineAt(): number {
  return loadDeadline;
}

/** When the run started, epoch milliseconds. */
export function runStartedAt(): number {
  return started;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
