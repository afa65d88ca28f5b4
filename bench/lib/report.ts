// The results as a markdown page: targets, each figure next to its floor, the phases side by
// side, where a saga's time goes, and the correctness checks. Each section is in its own module;
// this one puts them in order under the page's title and its description of the run.
import { correctnessSection } from './report-correctness.ts';
import { criticalPathSection } from './report-critical-path.ts';
import { floorsSection, idleSection, phasesSection } from './report-measurements.ts';
import { groupsLine, type ProfileSummary } from './profile-summary.ts';
import { ms, table } from './report-format.ts';
import type { BenchReport, MatrixReport } from './report-model.ts';
import {
  figuresSection,
  formatFigure,
  keyFigures,
  targetsSection,
  verdictCell,
} from './report-verdicts.ts';
import { issue13Targets, targetCpuPerSaga } from './targets.ts';

export function renderReport(report: BenchReport): string {
  return `${[...headerSection(report), ...configurationSections(report)].join('\n')}\n`;
}

/** Everything about one configuration after the page's header. */
function configurationSections(report: BenchReport, choreography?: BenchReport): string[] {
  const key = keyFigures(report);
  return [
    ...targetsSection(report, choreography),
    ...figuresSection(report, key),
    ...startupSection(report),
    ...floorsSection(report),
    ...idleSection(report),
    ...phasesSection(report),
    ...criticalPathSection(key),
    ...profileSection(report),
    ...correctnessSection(report),
  ];
}

/** The choreography configuration with the same tracing, for orchestration's CPU target. */
function choreographyOf(matrix: MatrixReport, report: BenchReport): BenchReport | undefined {
  if (report.config.mode !== 'orchestration') return undefined;
  return matrix.configurations.find(
    (c) => c.config.mode === 'choreography' && c.config.tracing === report.config.tracing,
  );
}

/** A --matrix run: the configurations side by side, then each in full (headings one level down). */
export function renderMatrix(matrix: MatrixReport): string {
  const [first] = matrix.configurations;
  const out: string[] = [];
  out.push(
    `# Order saga benchmark matrix, ${matrix.startedAt.slice(0, 16).replace('T', ' ')} UTC${matrix.label ? ` — ${matrix.label}` : ''}`,
  );
  out.push('');
  if (first !== undefined) {
    out.push(...headerSection(first, false).slice(2));
    out.push(
      `Configurations: ${matrix.configurations.map((c) => c.config.name).join('; ')}; each with its own services, databases and topics, one after another; the floors were measured once, before the first. Whole matrix took ${matrix.durationS.toFixed(0)} s.`,
    );
    out.push('');
  }
  out.push(...comparisonSection(matrix));
  for (const report of matrix.configurations) {
    out.push(`## ${report.config.name}`);
    out.push('');
    out.push(
      ...configurationSections(report, choreographyOf(matrix, report)).map((line) =>
        line.startsWith('#') ? `#${line}` : line,
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

/** Every target (and the CPU figures tracing changes) per configuration, side by side. */
function comparisonSection(matrix: MatrixReport): string[] {
  const configs = matrix.configurations;
  const targets = configs.map((c) => issue13Targets(c, choreographyOf(matrix, c)));
  const ids = [...new Set(targets.flat().map((t) => t.id))];
  const rows = ids.map((id) => {
    const label = targets.flat().find((t) => t.id === id)?.target ?? id;
    return [
      label,
      ...targets.map((list) => {
        const t = list.find((x) => x.id === id);
        return t === undefined || t.verdict === 'no data'
          ? '–'
          : `${formatFigure(t.measured, t.unit)} ${verdictCell(t.verdict).split(' ')[0] ?? ''}`;
      }),
    ];
  });
  for (const rate of ['100/s', '200/s'])
    rows.push([
      `CPU per saga at ${rate} (services + PostgreSQL + broker)`,
      ...configs.map((c) =>
        ms(
          targetCpuPerSaga(
            c.phases.find((p) => p.spec.name === rate),
            c.config.services,
          ),
        ),
      ),
    ]);
  rows.push([
    'services’ idle CPU, % of a core (sum)',
    ...configs.map((c) =>
      c.idleCores === null
        ? '–'
        : `${(c.config.services.reduce((sum, s) => sum + (c.idleCores?.[s] ?? 0), 0) * 100).toFixed(1)} %`,
    ),
  ]);
  return [
    '## Configurations compared',
    '',
    'Each cell: the figure and its verdict (✅ met, ❌ missed, – no data). Tracing on is the services’ default sampling (every trace, exported to the stack’s Zipkin); off is OTEL_SDK_DISABLED=true. Details per configuration below.',
    '',
    table(['target', ...configs.map((c) => c.config.name)], rows),
    '',
  ];
}

/** The start: readiness per service, then the first orders one saga at a time. */
function startupSection(report: BenchReport): string[] {
  const s = report.startup;
  const cold = report.phases.find((p) => p.spec.role === 'cold');
  const warm = report.phases.find((p) => p.spec.role === 'sequential');
  return [
    '## Cold start',
    '',
    `Services launched together; /health/ready polled every 25 ms. Ready after launch: ${Object.entries(
      s.readyAfterLaunchMs,
    )
      .map(([name, v]) => `${name} ${ms(v)}`)
      .join(', ')}. ` +
      `The first order went ${ms(s.firstOrderAfterReadyMs)} after the last service was ready (the observer's group join and the stock PUTs in between). ` +
      `First sagas, one at a time: ${cold?.sagaEach.map((v) => ms(v)).join(', ') ?? '–'}; ` +
      `warm, one at a time later: p50 ${ms(warm?.sagaFulfilled.p50 ?? NaN)}, p99 ${ms(warm?.sagaFulfilled.p99 ?? NaN)} (${warm?.sagaFulfilled.count ?? 0} sagas).`,
    '',
  ];
}

/** With --profile: per service, where its CPU went, and its top functions by self time. */
function profileSection(report: BenchReport): string[] {
  const profiles = report.profiles;
  if (profiles === null) return [];
  const out: string[] = [
    '## CPU profile (node --cpu-prof)',
    '',
    'Self time per function from the moment every service was ready to the end of the final check (start-up and shutdown left out), sampled by V8 and grouped by where the code lives: a package under node_modules, our packages and services, Node’s internals, V8’s own work (GC, builtins) and native code without a script (Node’s C++ bindings such as socket and pipe writes). Shares are of the busy (not idle) time; the profiler itself adds a few % of CPU.',
    '',
  ];
  const entries = Object.entries(profiles);
  if (entries.length === 0)
    out.push('No profile was written (did the services exit cleanly?).', '');
  for (const [service, summary] of entries) out.push(...serviceProfile(service, summary));
  return out;
}

function serviceProfile(service: string, summary: ProfileSummary): string[] {
  return [
    `### ${service}: ${(summary.busyMs / 1_000).toFixed(1)} s busy of ${(summary.wallMs / 1_000).toFixed(0)} s`,
    '',
    groupsLine(summary),
    '',
    table(
      ['function', 'where', 'group', 'self', 'share'],
      summary.top.map((f) => [
        f.name,
        f.where === '' ? '–' : `\`${f.where}\``,
        f.group,
        ms(f.ms),
        `${(f.share * 100).toFixed(1)} %`,
      ]),
    ),
    '',
  ];
}

/**
 * The title and what was measured on what: machine, versions, code, configuration.
 * @param withConfig false in a matrix: the configurations are named one by one
 */
function headerSection(report: BenchReport, withConfig = true): string[] {
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
      `Code: ${v['revision']}, services built ${v['built']}${withConfig ? `; ${report.config.mode} mode, tracing ${report.config.tracing === 'off' ? 'off (OTEL_SDK_DISABLED=true)' : 'on (default sampling)'}` : ''}${report.profiles === null ? '' : ', services under node --cpu-prof'}. Everything (stack, services, load generator, observer) shares the machine. ` +
      `Services isolated per run (own databases, topics, consumer groups), ${report.config.partitions} partitions per topic` +
      `${Object.keys(report.config.serviceEnv).length > 0 ? `, extra env ${JSON.stringify(report.config.serviceEnv)}` : ''}. ` +
      `Orders: one line, SKUs cycled over ${report.config.mix.skus}, 1 in ${report.config.mix.declineEvery} declined (must end CANCELLED). ` +
      (withConfig ? `Run took ${report.durationS.toFixed(0)} s.` : ''),
  );
  out.push('');
  return out;
}
