// The results as a markdown page: targets, each figure next to its floor, the phases side by
// side, where a saga's time goes, and the correctness checks. Each section is in its own module;
// this one puts them in order under the page's title and its description of the run.
import { correctnessSection } from './report-correctness.ts';
import { criticalPathSection } from './report-critical-path.ts';
import { floorsSection, idleSection, phasesSection } from './report-measurements.ts';
import type { BenchReport } from './report-model.ts';
import { figuresSection, keyFigures, targetsSection } from './report-verdicts.ts';

export function renderReport(report: BenchReport): string {
  const key = keyFigures(report);
  const out = [
    ...headerSection(report),
    ...targetsSection(report, key),
    ...figuresSection(report, key),
    ...floorsSection(report),
    ...idleSection(report),
    ...phasesSection(report),
    ...criticalPathSection(key),
    ...correctnessSection(report),
  ];
  return `${out.join('\n')}\n`;
}

/** The title and what was measured on what: machine, versions, code, configuration. */
function headerSection(report: BenchReport): string[] {
  const m = report.machine;
  const v = report.versions;
  const out: string[] = [];
  out.push(
    `# Order saga benchmark, ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC${report.label ? ` — ${report.label}` : ''}${report.quick ? ' (quick)' : ''}`,
  );
  out.push('');
  out.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}; load average at start ${m.loadAverage.join(' ')}. ` +
      `Node ${v['node']}, Kafka ${v['kafka']} (KRaft, one node), PostgreSQL ${v['postgres']} ` +
      `(fsync ${report.postgresSettings['fsync']}, synchronous_commit ${report.postgresSettings['synchronous_commit']}, shared_buffers ${report.postgresSettings['shared_buffers']}), ` +
      `kafkajs ${v['kafkajs']}, pg ${v['pg']}, NestJS ${v['nestjs']} on Fastify ${v['fastify']}, TypeORM ${v['typeorm']}. ` +
      `Code: ${v['revision']}, services built ${v['built']}; ${report.config.mode} mode. Everything (stack, services, load generator, observer) shares the machine. ` +
      `Services isolated per run (own databases, topics, consumer groups), ${report.config.partitions} partitions per topic` +
      `${Object.keys(report.config.serviceEnv).length > 0 ? `, extra env ${JSON.stringify(report.config.serviceEnv)}` : ''}. ` +
      `Orders: one line, SKUs cycled over ${report.config.mix.skus}, 1 in ${report.config.mix.declineEvery} declined (must end CANCELLED). ` +
      `Run took ${report.durationS.toFixed(0)} s.`,
  );
  out.push('');
  return out;
}
