// How the demo shows an order: its final state, the timeline from GET /orders/{id} (each hop with
// its time since creation and the event that caused it), the saga steps, and what the payment
// provider recorded.
import type { OrderView, ProviderRecords } from '../system/orders-api.ts';
import { traceUiUrl } from '../system/traces.ts';
import { sagaMs, type TrackedOrder } from './drive.ts';
import { mismatches } from './scenarios.ts';
import { columns, duration, money, paint, plural, statusColour } from './terminal.ts';

const INDENT = '    ';
const LABEL_WIDTH = 11;

function labelled(label: string, lines: readonly string[]): string[] {
  return lines.map((line, i) => `${INDENT}${(i === 0 ? label : '').padEnd(LABEL_WIDTH)}${line}`);
}

function offset(order: OrderView, at: string | null): string {
  if (at === null) return '';
  const origin = Date.parse(order.history[0]?.at ?? order.createdAt);
  return `+${Math.round(Date.parse(at) - origin)} ms`;
}

export function finalState(order: OrderView): string {
  return order.reason === null
    ? statusColour(order.status)
    : `${statusColour(order.status)} ${paint.dim(order.reason)}`;
}

function timeline(order: OrderView): string[] {
  return columns(
    order.history.map((hop) => [
      offset(order, hop.at),
      hop.from ?? '∅',
      '→',
      statusColour(hop.to),
      hop.causedBy === null
        ? paint.dim('POST /orders')
        : `${hop.causedBy.type} ${paint.dim(`#${hop.causedBy.messageId.slice(0, 8)}`)}`,
    ]),
    [0],
  );
}

function steps(order: OrderView): string[] {
  if (order.steps.length === 0) return [paint.dim('(none)')];
  return columns(
    order.steps.map((step) => {
      const span =
        step.startedAt === null
          ? ''
          : step.finishedAt === null
            ? `${offset(order, step.startedAt)} → …`
            : `${offset(order, step.startedAt)} → ${offset(order, step.finishedAt)}`;
      return [
        step.name,
        step.status,
        plural(step.attempts, 'attempt'),
        span,
        step.detail ? paint.dim(step.detail) : '',
      ];
    }),
  );
}

/** The saga at a glance, from the declared definition: only the non-empty groups. */
function sagaSummary(order: OrderView): string[] {
  const saga = order.saga;
  if (saga === undefined) return [paint.dim('(not reported)')];
  const groups = (
    [
      'done',
      'running',
      'remaining',
      'failed',
      'compensating',
      'compensated',
      'compensationFailed',
    ] as const
  )
    .filter((group) => saga[group].length > 0)
    .map((group) => `${group} ${saga[group].join(', ')}`);
  return [`${saga.mode}: ${groups.length > 0 ? groups.join(' · ') : 'nothing'}`];
}

/** pay_174aa06f-… -> pay_174aa06f…: enough to tell records apart on screen. */
function shortId(id: string): string {
  const match = /^([a-z]+_)?([0-9a-f]{8})/.exec(id);
  return match ? `${match[1] ?? ''}${match[2] ?? ''}…` : id;
}

function provider(records: ProviderRecords | undefined): string[] {
  if (records === undefined) return [paint.dim('(not fetched)')];
  const rows = [
    ...records.payments.map((p) => [
      'payment',
      shortId(p.id),
      p.declineCode === null ? p.status : `${p.status} (${p.declineCode})`,
      money(p.amount, p.currency),
    ]),
    ...records.refunds.map((r) => ['refund', shortId(r.id), r.status, money(r.amount, r.currency)]),
  ];
  if (rows.length === 0) return [paint.dim('nothing recorded')];
  const lines = columns(rows, [3]);
  if (records.refunds.length === 0) lines.push(paint.dim('no refund'));
  return lines;
}

/** Where the demo's orders' traces are, and which of them Zipkin already holds. */
export interface TraceLinks {
  readonly zipkinUrl: string;
  readonly stored: ReadonlySet<string>;
}

function traceLink(links: TraceLinks, traceId: string): string {
  const url = traceUiUrl(links.zipkinUrl, traceId);
  return links.stored.has(traceId) ? url : `${url}  ${paint.red('(not in Zipkin yet)')}`;
}

/** The full picture of one order, under a numbered title line. */
export function renderOrder(
  number: number,
  title: string,
  tracked: TrackedOrder,
  links: TraceLinks,
): string[] {
  const { order } = tracked;
  const problems = tracked.records ? mismatches(order, tracked.records, tracked.expect) : [];
  const head = `${paint.bold(`${number}.`)} ${paint.bold(title)}`;
  const outcome = tracked.settled
    ? `${finalState(order)} ${paint.dim(`in ${duration(sagaMs(order))}`)}`
    : `${paint.red('still')} ${statusColour(order.status)}`;
  const { items, paymentMethod } = tracked.request;
  const lines = items.map((i) => `${i.quantity} × ${i.sku}`).join(', ');
  return [
    `${head}  ${outcome}`,
    ...labelled('order', [
      `${order.id}  ${money(order.total, order.currency)}  ${paint.dim(`${lines}, ${paymentMethod}`)}`,
    ]),
    ...labelled('timeline', timeline(order)),
    ...labelled('steps', steps(order)),
    ...labelled('saga', sagaSummary(order)),
    ...(order.lateFacts !== undefined && order.lateFacts.length > 0
      ? labelled(
          'late facts',
          order.lateFacts.map(
            (f) =>
              `${f.type} ${paint.dim(`arrived ${offset(order, f.at)}, order already ${f.orderStatus}`)}`,
          ),
        )
      : []),
    ...labelled('provider', provider(tracked.records)),
    ...labelled('ids', [
      `correlationId ${paint.cyan(order.correlationId)}  traceId ${order.traceId}`,
    ]),
    ...labelled('trace', [traceLink(links, order.traceId)]),
    ...problems.map((p) => `${INDENT}${paint.red(`✗ ${p}`)}`),
  ];
}

/** The concurrent orders as one table: which got the last units, which were refunded. */
export function renderRush(tracked: readonly TrackedOrder[], links: TraceLinks): string[] {
  const rows = tracked.map((t) => {
    const r = t.records;
    const paid = r?.payments.map((p) => p.status).join(', ') ?? '?';
    const refunded = r !== undefined && r.refunds.length > 0 ? ' · refunded' : '';
    return [
      t.order.id.slice(0, 8),
      t.settled ? statusColour(t.order.status) : `${paint.red('still')} ${t.order.status}`,
      t.order.reason ?? '',
      t.settled ? duration(sagaMs(t.order)) : '',
      `${paint.dim('payment')} ${paid}${refunded}`,
      paint.dim(t.correlationId),
      traceLink(links, t.order.traceId),
    ];
  });
  return columns(rows, [3]).map((line) => `${INDENT}${line}`);
}

export interface NextSteps {
  readonly services: ReadonlyArray<{ name: string; url: string }>;
  readonly logDir: string;
  readonly example: TrackedOrder | undefined;
  /** Every correlation id of this run starts with it. */
  readonly runPrefix: string;
  readonly ordersUrl: string;
  /** The orders database; payments and fulfillment sit beside it. */
  readonly database: string;
  readonly brokers: string;
  readonly zipkinUrl: string;
  /** The stack's Prometheus, which scraped this run's services. */
  readonly prometheusUrl: string;
}

/** The seed's KPIs as the chart's recording rules name them (charts/order-saga/monitoring). */
const KPI_QUERIES: ReadonlyArray<readonly [string, string]> = [
  ['order creation p50', 'order_saga:order_creation_duration_seconds:p50_5m'],
  ['saga average', 'order_saga:saga_duration_seconds:avg_5m'],
  ['saga p99', 'order_saga:saga_duration_seconds:p99_5m'],
  ['retry rate', 'order_saga:payment_retry_ratio:5m'],
  ['sagas/s', 'order_saga:sagas_finished:rate5m'],
];

/** A Prometheus UI link that opens `expr` as a graph over the last 15 minutes. */
export function prometheusGraphUrl(base: string, expr: string): string {
  return `${base}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=0&g0.range_input=15m`;
}

/** Where to look after the demo: metrics, logs by correlation id, traces, the data. */
export function renderNextSteps(next: NextSteps): string[] {
  const logs = `${next.logDir}/*.log`;
  // Every log line starts {"level":…,"time":"<ISO>",…: the 2nd comma-separated field sorts by time.
  const byTime = '| sort -t, -k2,2';
  const section = (label: string, lines: readonly string[]): string[] =>
    lines.map((line, i) => `  ${(i === 0 ? label : '').padEnd(LABEL_WIDTH)}${line}`);
  return [
    ...section('metrics', columns(next.services.map((s) => [s.name, `${s.url}/metrics`]))),
    ...section('prometheus', [
      ...columns(
        KPI_QUERIES.map(([name, expr]) => [name, prometheusGraphUrl(next.prometheusUrl, expr)]),
      ),
      `${next.prometheusUrl}/alerts  ${paint.dim('(rules from charts/order-saga/monitoring; /targets lists what it scrapes)')}`,
    ]),
    ...section('logs', [
      `${next.logDir}/<service>.log  ${paint.dim('pino JSON, one event per line')}`,
    ]),
    ...section('one order', [
      `grep -h ${next.example?.correlationId ?? '<correlationId>'} ${logs} ${byTime}`,
      paint.dim('(any correlationId above; sorted by time across the services)'),
    ]),
    ...section('this run', [`grep -h ${next.runPrefix} ${logs} ${byTime}`]),
    ...section('traces', [
      `${next.zipkinUrl}/zipkin/  ${paint.dim('Zipkin: one trace per order, every link above opens one')}`,
      `curl -s ${next.zipkinUrl}/api/v2/trace/${next.example?.order.traceId ?? '<traceId>'}`,
      paint.dim('(the same spans as JSON; the traceId is also in every log line and Kafka header)'),
    ]),
    ...section('API', [
      `curl -s ${next.ordersUrl}/orders/${next.example?.id ?? '<id>'}`,
      paint.dim(`(also ${next.ordersUrl}/orders?limit=5 and ?status=CANCELLED)`),
    ]),
    ...section('data', [
      `${next.database}  ${paint.dim('(and /payments, /fulfillment)')}`,
      `Kafka ${next.brokers}  ${paint.dim('orders.events, payments.events, inventory.events, *.commands')}`,
      `eval "$(npm run -s stack -- env)"  ${paint.dim('exports these URLs in your shell')}`,
    ]),
  ];
}
