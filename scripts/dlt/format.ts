// How `npm run dlt` prints what the admin API answers: plain text tables and field lists, as
// lines for the CLI to write. No I/O here.
import { fieldLines } from '../admin/admin-client.ts';
import type { Detail, Listing, PurgeReport, RedriveReport } from './admin-api.ts';

/** Plain text table: columns padded to their widest cell, numbers right-aligned. */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^\d+$/.test(r[i] ?? '')),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
const short = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function listingLines(service: string, listing: Listing): string[] {
  const lines: string[] = [];
  lines.push(
    `${service}: ${plural(listing.total, 'dead letter')} on ${listing.topics.join(', ')} ` +
      `(group ${listing.consumerGroup}; at most ${plural(listing.redriveCap, 'redrive')} per message)`,
  );
  if (listing.total === 0) return lines;
  lines.push('');
  for (const line of table(
    ['count', 'parked', 'redriven', 'code', 'type', 'from', 'first seen', 'last seen'],
    listing.groups.map((g) => [
      String(g.count),
      String(g.parked),
      String(g.redriven),
      g.code,
      g.type ?? '(none)',
      g.originalTopics.join(', '),
      when(g.firstSeen),
      when(g.lastSeen),
    ]),
  ))
    lines.push(`  ${line}`);
  lines.push('');
  for (const line of table(
    ['id', 'status', 'redrives', 'code', 'type', 'key', 'failed at', 'error'],
    listing.items.map((i) => [
      i.id,
      i.status,
      String(i.redriveCount),
      i.error.code,
      i.messageType ?? '(none)',
      short(i.key === '' ? '(none)' : i.key, 36),
      when(i.failedAt),
      short(i.error.message, 60),
    ]),
  ))
    lines.push(`  ${line}`);
  return lines;
}

export function detailLines(service: string, d: Detail): string[] {
  const lines = [`${d.id}  (${service}, ${d.status})`];
  const fields: Record<string, unknown> = {
    'original topic': d.original.topic ?? '?',
    'original partition': d.original.partition ?? '?',
    'original offset': d.original.offset ?? '?',
    'consumer group': d.consumerGroup ?? '?',
    key: d.key === '' ? '(none)' : d.key,
    'message type': d.messageType ?? '(none)',
    'message id': d.messageId ?? '(none)',
    'correlation id': d.correlationId ?? '(none)',
    error: `${d.error.code}: ${d.error.message}`,
    'failed at': when(d.failedAt),
    'first seen': when(d.seen.first),
    'last seen': `${when(d.seen.last)} (dead-lettered ${plural(d.seen.times, 'time')})`,
    redrives: d.redriveCount,
  };
  lines.push(...fieldLines(fields, '  '));
  if (d.actions.length > 0) {
    lines.push('  actions');
    for (const a of d.actions)
      lines.push(
        `    ${when(a.at)}  ${a.action}${a.by === null ? '' : ` by ${a.by}`}${a.reason === null ? '' : `: ${a.reason}`}`,
      );
  }
  lines.push('  headers', ...fieldLines(d.headers, '    '));
  lines.push(`  payload (${d.payloadEncoding})`, `    ${d.payload}`);
  return lines;
}

export function redriveReportLines(service: string, report: RedriveReport): string[] {
  return [
    `${service} (at most ${plural(report.redriveCap, 'redrive')} per message)`,
    ...table(
      ['', 'id', 'to', 'type', 'code', 'key', 'redrive'],
      report.results.map((r) => [
        r.outcome === 'would-redrive' ? 'would re-drive' : r.outcome,
        r.id,
        r.originalTopic,
        r.messageType ?? '(none)',
        r.code,
        short(r.key === '' ? '(none)' : r.key, 36),
        r.outcome === 'refused' ? (r.reason ?? '') : `#${r.redriveCount}`,
      ]),
    ).map((line) => `  ${line}`),
  ];
}

export function purgeReportLines(service: string, report: PurgeReport, apply: boolean): string[] {
  return [
    service,
    ...table(
      ['', 'id', 'status', 'type', 'code', 'key'],
      report.purged.map((p) => [
        apply ? 'purged' : 'would purge',
        p.id,
        p.status,
        p.messageType ?? '(none)',
        p.code,
        short(p.key === '' ? '(none)' : p.key, 36),
      ]),
    ).map((line) => `  ${line}`),
    ...report.deleted.map(
      (cut) =>
        `  ${apply ? 'deleted' : 'would delete'} ${cut.topic} partition ${cut.partition} below offset ${cut.before} (every record there handled)`,
    ),
  ];
}

/** The last word of a redrive or purge: what matched, and whether it was a dry run. */
export function actionTotalLines(
  command: 'redrive' | 'purge',
  apply: boolean,
  counts: { readonly done: number; readonly planned: number; readonly refused: number },
): string[] {
  const { done, planned, refused } = counts;
  const noun = command === 'redrive' ? 're-drive' : 'purge';
  if (done + planned + refused === 0) return [`nothing to ${noun}: no dead letter matched`];
  if (!apply)
    return [
      `\nDRY RUN: nothing was changed. ${plural(planned, 'dead letter')} would be ${command === 'redrive' ? 're-driven' : 'purged'}` +
        `${refused > 0 ? `, ${refused} refused` : ''}; add --apply to do it.`,
    ];
  return [
    `\nAPPLIED: ${plural(done, 'dead letter')} ${command === 'redrive' ? 're-driven' : 'purged'}${refused > 0 ? `, ${refused} refused` : ''}.`,
  ];
}
