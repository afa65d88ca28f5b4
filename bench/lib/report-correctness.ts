// The report's correctness section: the final checks over the whole run (lost, duplicated or
// wrong outcomes, dead letters, unfinished orders, warn/error log lines) and why the load stopped
// early, if it did.
import type { BenchReport } from './report-model.ts';

export function correctnessSection(report: BenchReport): string[] {
  const f = report.final;
  const out: string[] = [];
  out.push('## Correctness');
  out.push('');
  out.push(
    `- ${f.ok ? '✅' : '❌'} orders seen on the topic: ${f.ordersSeen}; in the orders database: ${f.ordersInDatabase} (${Object.entries(
      f.byStatus,
    )
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}).`,
  );
  out.push(
    `- without an outcome: ${f.noOutcome}; with two different outcomes: ${f.doubleOutcome}; outcome redeliveries (same ce_id): ${f.redeliveredOutcomes}; outcome other than expected: ${f.wrongOutcomes}.`,
  );
  out.push(
    `- dead letters on *.dlt topics: ${f.deadLetterCount}${f.deadLetters.length > 0 ? ` (${[...new Set(f.deadLetters.map((d) => `${d.topic} ${d.code}`))].join(', ')})` : ''}.`,
  );
  if (f.stuck.length > 0)
    out.push(
      `- unfinished orders (first ${f.stuck.length}): ${f.stuck.map((s) => `${s.id} ${s.status} [${s.steps}]`).join('; ')}.`,
    );
  const logLines = Object.entries(f.logs).flatMap(([service, counts]) =>
    Object.entries(counts).map(([what, n]) => `${service}: ${what} ×${n}`),
  );
  out.push(`- warn/error log lines: ${logLines.length > 0 ? logLines.join('; ') : 'none'}.`);
  if (report.stoppedEarly) out.push(`- ${report.stoppedEarly}.`);
  if (report.samplerFailures > 0)
    out.push(
      `- lag/outbox samples that failed: ${report.samplerFailures} (last error: ${report.samplerError ?? '–'}).`,
    );
  out.push('');
  return out;
}
