// Terminal output for the demo: a few colours (only on a TTY, never with NO_COLOR), aligned
// columns that ignore colour codes, and human durations and amounts.
import { relative } from 'node:path';

// https://no-color.org: any non-empty NO_COLOR disables colour.
const COLOUR = process.stdout.isTTY === true && (process.env['NO_COLOR'] ?? '') === '';

function sgr(open: number, close: number): (text: string) => string {
  return (text) => (COLOUR ? `\u001b[${open}m${text}\u001b[${close}m` : text);
}

export const paint = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

// eslint-disable-next-line no-control-regex -- matching the SGR sequences paint() adds
const SGR = /\u001b\[\d+m/g;

export function visibleLength(text: string): number {
  return text.replace(SGR, '').length;
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(text))) + text;
}

/**
 * Rows as aligned lines: every column as wide as its widest cell, two spaces between columns,
 * `right` columns right-aligned (numbers), trailing blanks trimmed.
 */
export function columns(
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return right.includes(i) ? padStart(cell, width) : padEnd(cell, width);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** 7 ms, 812 ms, 1.4 s, 12.0 s */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function since(startMs: number): string {
  return duration(Date.now() - startMs);
}

/** Minor units to a display amount: 2997 EUR -> "29.97 EUR" (every demo currency has 2 decimals). */
export function money(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function heading(text: string): void {
  console.log(`\n${paint.bold(text)}`);
}

export function ok(text: string): string {
  return `${paint.green('✓')} ${text}`;
}

export function bad(text: string): string {
  return `${paint.red('✗')} ${text}`;
}

export function statusColour(status: string): string {
  if (status === 'FULFILLED') return paint.green(status);
  if (status === 'CANCELLED') return paint.yellow(status);
  if (status === 'COMPENSATION_FAILED') return paint.red(status);
  return status;
}

/** A path as the user typed it from here: relative to the working directory. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || '.';
}

/** How often a long step prints that it is still going. */
export const PROGRESS_EVERY_MS = 3_000;

/** Prints a line every few seconds while `work` runs, so a slow step never looks stuck. */
export async function withProgress<T>(what: string, work: Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(
    () => console.log(paint.dim(`  … ${what} ${since(started)}`)),
    PROGRESS_EVERY_MS,
  );
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
