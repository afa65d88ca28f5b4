// Cell formats and the table of the markdown report. A figure that was not measured (NaN, or
// null read back from a .json file) shows as '–' rather than as a number.

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value >= 100
    ? `${value.toFixed(0)} ms`
    : value >= 10
      ? `${value.toFixed(1)} ms`
      : `${value.toFixed(2)} ms`;
}

export function num(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** How many times its floor a figure is. */
export function ratio(value: number, floor: number): string {
  return Number.isFinite(value) && Number.isFinite(floor) && floor > 0
    ? `${(value / floor).toFixed(1)}×`
    : '–';
}

export function pct(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)} %` : '–';
}

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
