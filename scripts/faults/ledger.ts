// The ledger of a fault scenario: for every accepted order, where it ended and every effect it
// had — provider charges and refunds, stock reservations, events on each topic, dead letters —
// so "nothing lost, nothing doubled" is counted, not assumed.
import { Client } from 'pg';
import { SAGA_TOPICS, deadLetterTopic } from '../../packages/contracts/src/topics.ts';
import { readTopics } from '../../test/support/topic-reader.ts';
import { TERMINAL, http, type OrderView, type ProviderRecords } from '../system/orders-api.ts';
import type { SagaSystem } from '../system/saga-system.ts';

export interface Ledger {
  readonly scenario: string;
  readonly accepted: number;
  readonly byState: Readonly<Record<string, number>>;
  /** Accepted orders not in a terminal state. */
  readonly stuck: readonly string[];
  /** Orders with more than one approved charge, or charged and neither fulfilled nor refunded. */
  readonly doubleCharged: readonly string[];
  readonly orphanedCharges: readonly string[];
  readonly doubleRefunded: readonly string[];
  /** How many orders had 0, 1, 2, ... approved charges (and refunds, and stock reservations). */
  readonly chargesPerOrder: Readonly<Record<number, number>>;
  readonly refundsPerOrder: Readonly<Record<number, number>>;
  readonly reservationsPerOrder: Readonly<Record<number, number>>;
  readonly doubleReserved: readonly string[];
  /** Most records carrying one event id on one topic (2 = that event was published twice). */
  readonly maxCopiesPerEvent: number;
  /** Most distinct events of one type any order has, per topic (1 = no duplicate effects). */
  readonly maxEventsPerOrderType: Readonly<Record<string, number>>;
  readonly deadLetters: number;
  /** Dead letters whose key is not one the scenario put there on purpose (a poison record). */
  readonly unexpectedDeadLetters: number;
  /** Milliseconds from the end of the fault until the last order was terminal. */
  readonly recoveryMs: number | undefined;
  readonly notes: readonly string[];
}

export interface LedgerOptions {
  /** Count only dead letters written since (ms since the epoch): one system, many scenarios. */
  readonly since?: number;
  /** Keys of records the scenario dead-letters on purpose (poison records). */
  readonly expectedDeadLetterKeys?: ReadonlySet<string>;
}

function histogram(
  ids: Iterable<string>,
  counts: ReadonlyMap<string, number>,
): Record<number, number> {
  const result: Record<number, number> = {};
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    result[n] = (result[n] ?? 0) + 1;
  }
  return result;
}

/** Builds the ledger once every order has settled (or the caller gave up waiting). */
export async function takeLedger(
  system: SagaSystem,
  scenario: string,
  orderIds: readonly string[],
  recoveryMs: number | undefined,
  notes: readonly string[] = [],
  options: LedgerOptions = {},
): Promise<Ledger> {
  const ids = new Set(orderIds);
  const views = await Promise.all(
    orderIds.map(async (id) => (await http<OrderView>(`${system.ordersUrl}/orders/${id}`)).body),
  );
  const byState: Record<string, number> = {};
  const stuck: string[] = [];
  for (const view of views) {
    byState[view.status] = (byState[view.status] ?? 0) + 1;
    if (!TERMINAL.includes(view.status)) stuck.push(view.id);
  }
  const status = new Map(views.map((v) => [v.id, v.status]));

  const { body: records } = await http<ProviderRecords>(`${system.providerUrl}/v1/records`);
  const charges = new Map<string, number>();
  const refunds = new Map<string, number>();
  for (const p of records.payments)
    if (ids.has(p.reference) && p.status === 'approved')
      charges.set(p.reference, (charges.get(p.reference) ?? 0) + 1);
  for (const r of records.refunds)
    if (ids.has(r.reference)) refunds.set(r.reference, (refunds.get(r.reference) ?? 0) + 1);
  const chargesPerOrder = histogram(ids, charges);
  const refundsPerOrder = histogram(ids, refunds);
  const doubleCharged = [...charges].filter(([, n]) => n > 1).map(([id]) => id);
  const doubleRefunded = [...refunds].filter(([, n]) => n > 1).map(([id]) => id);
  // A charge is orphaned when its order neither completed nor gave the money back.
  const orphanedCharges = [...charges.keys()].filter(
    (id) => status.get(id) !== 'FULFILLED' && (refunds.get(id) ?? 0) === 0,
  );

  const fulfillment = new Client({ connectionString: system.databases.fulfillment });
  await fulfillment.connect();
  const reservations = new Map<string, number>();
  try {
    const { rows } = await fulfillment.query<{ order_id: string; n: number }>(
      'SELECT order_id, count(*)::int AS n FROM inventory_reservations GROUP BY order_id',
    );
    for (const row of rows) if (ids.has(row.order_id)) reservations.set(row.order_id, row.n);
  } finally {
    await fulfillment.end();
  }

  const topics = SAGA_TOPICS.map((t) => `${system.topicPrefix}${t}`);
  const messages = await readTopics(system.brokers, [...topics, ...topics.map(deadLetterTopic)]);
  const doubleReserved = [...reservations].filter(([, n]) => n > 1).map(([id]) => id);
  const distinct = new Map<string, Set<string>>();
  const copies = new Map<string, number>();
  let deadLetters = 0;
  let unexpectedDeadLetters = 0;
  for (const m of messages) {
    if (m.topic.endsWith('.dlt')) {
      // An operator's action record (`npm run dlt`) sits beside the dead letters; it is not one.
      if (m.headers['dlt-action'] !== undefined) continue;
      if (m.timestamp < (options.since ?? 0)) continue;
      deadLetters++;
      if (options.expectedDeadLetterKeys?.has(m.key) !== true) unexpectedDeadLetters++;
      continue;
    }
    if (!ids.has(m.key)) continue;
    const copy = `${m.topic}\u0000${m.headers['ce_id'] ?? m.offset}`;
    copies.set(copy, (copies.get(copy) ?? 0) + 1);
    const slot = `${m.topic.slice(system.topicPrefix.length)} ${m.headers['ce_type'] ?? '?'}`;
    const key = `${slot}\u0000${m.key}`;
    const seen = distinct.get(key) ?? new Set<string>();
    seen.add(m.headers['ce_id'] ?? m.offset);
    distinct.set(key, seen);
  }
  const maxEventsPerOrderType: Record<string, number> = {};
  for (const [key, seen] of distinct) {
    const slot = key.split('\u0000')[0] as string;
    maxEventsPerOrderType[slot] = Math.max(maxEventsPerOrderType[slot] ?? 0, seen.size);
  }
  return {
    scenario,
    accepted: orderIds.length,
    byState,
    stuck,
    doubleCharged,
    orphanedCharges,
    doubleRefunded,
    chargesPerOrder,
    refundsPerOrder,
    reservationsPerOrder: histogram(ids, reservations),
    doubleReserved,
    maxCopiesPerEvent: Math.max(0, ...copies.values()),
    maxEventsPerOrderType,
    deadLetters,
    unexpectedDeadLetters,
    recoveryMs,
    notes,
  };
}

/** Whether the ledger shows the guarantees: everything terminal, every effect at most once. */
export function ledgerProblems(ledger: Ledger, allowDeadLetters = 0): string[] {
  const problems: string[] = [];
  if (ledger.stuck.length > 0) problems.push(`${ledger.stuck.length} stuck`);
  if (ledger.doubleCharged.length > 0)
    problems.push(`${ledger.doubleCharged.length} charged twice`);
  if (ledger.orphanedCharges.length > 0)
    problems.push(`${ledger.orphanedCharges.length} charged, neither fulfilled nor refunded`);
  if (ledger.doubleRefunded.length > 0)
    problems.push(`${ledger.doubleRefunded.length} refunded twice`);
  if (ledger.doubleReserved.length > 0)
    problems.push(`${ledger.doubleReserved.length} reserved twice`);
  for (const [slot, n] of Object.entries(ledger.maxEventsPerOrderType))
    if (n > 1) problems.push(`${slot}: ${n} distinct events for one order`);
  if (ledger.unexpectedDeadLetters > allowDeadLetters)
    problems.push(`${ledger.unexpectedDeadLetters} dead letters`);
  return problems;
}

/** The ledger as a table a person can read. */
export function formatLedger(ledger: Ledger): string {
  const states = Object.entries(ledger.byState)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
  const perOrder = (counts: Readonly<Record<number, number>>): string =>
    Object.entries(counts)
      .map(([n, orders]) => `${orders} order(s) x ${n}`)
      .join(', ');
  const events = Object.entries(ledger.maxEventsPerOrderType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([slot, n]) => `${slot} <= ${n}`);
  const rows: [string, string][] = [
    ['accepted', String(ledger.accepted)],
    ['terminal', states],
    ['stuck', String(ledger.stuck.length)],
    ['charges per order', perOrder(ledger.chargesPerOrder)],
    ['refunds per order', perOrder(ledger.refundsPerOrder)],
    ['reservations per order', perOrder(ledger.reservationsPerOrder)],
    ['charged twice', String(ledger.doubleCharged.length)],
    ['orphaned charges', String(ledger.orphanedCharges.length)],
    ['refunded twice', String(ledger.doubleRefunded.length)],
    ['reserved twice', String(ledger.doubleReserved.length)],
    ['events per order (max)', events.join('; ')],
    ['copies of one event (max)', String(ledger.maxCopiesPerEvent)],
    [
      'dead letters',
      `${ledger.deadLetters} (${ledger.deadLetters - ledger.unexpectedDeadLetters} put there on purpose)`,
    ],
    [
      'recovery after the fault',
      ledger.recoveryMs === undefined ? 'n/a' : `${(ledger.recoveryMs / 1000).toFixed(1)} s`,
    ],
    ...ledger.notes.map((note): [string, string] => ['note', note]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`ledger: ${ledger.scenario}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join(
    '\n',
  );
}
