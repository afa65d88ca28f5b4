// Progress lines on stdout while the run goes, stamped with the seconds since it started, and
// the compact number formats they use (the markdown report has its own, with units).
import { epochNow } from './http-client.ts';
import { runStartedAt } from './run-clock.ts';

export function progress(message: string): void {
  const elapsed = ((epochNow() - runStartedAt()) / 1_000).toFixed(1).padStart(6);
  console.log(`[bench ${elapsed}s] ${message}`);
}

/** Milliseconds with about three significant digits; '-' for a figure that was not measured. */
export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/** CPU cores as a share of one core. */
export function formatShareOfCore(cores: number | undefined): string {
  return cores === undefined ? '-' : `${(cores * 100).toFixed(1)} %`;
}
