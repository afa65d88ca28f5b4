// `npm run dlt -- <command>`: the operator's side of dead letters. Talks to the admin port of
// each consuming service (<SERVICE>_ADMIN_URL, or the port `npm run demo` gives it); every rule
// (grouping, the redrive cap, what a purge deletes) lives behind that API, in DeadLetterDesk.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  AdminCliError,
  adminClient,
  adminUrlVariable,
  fieldLines,
  runAdminCli,
  usageError,
  type AdminClient,
} from '../admin/admin-client.ts';
import type { ProcessName } from '../system/saga-system.ts';

const USAGE = `usage: npm run dlt -- <command> [options]

  list                         dead letters per service: counts per error code and message
                               type, then one line per dead letter
      [--code C] [--type T] [--status parked|redriven|purged]
  show <id>                    one dead letter: original topic, partition, offset, key,
                               headers, payload, when it was first and last seen
  redrive <id>... | --code C | --type T | --all   [--apply] [--by NAME] [--reason TEXT]
                               send back to the original topic, with the original key and
                               headers plus redrive headers; a filter picks the ones never
                               re-driven; past the cap a message is refused
  purge <id>... | --code C | --type T | --all   [--apply] [--by NAME] [--reason TEXT]
                               mark handled (gone from the list), then delete from Kafka every
                               partition prefix whose records are all handled

  redrive and purge are dry runs: they say what they would do and change nothing, until --apply.

Options:
  --service NAME   only this service (default: every consuming service: orders-service,
                   payments-adapter, fulfillment-service, and saga-orchestrator when
                   SAGA_ORCHESTRATOR_ADMIN_URL is set)
  --by NAME        who acts, recorded with the action (default: your login name)
  --reason TEXT    why, recorded with the action
  -h, --help

Ids look like orders.events.dlt:3:17 (dead-letter topic, partition, offset), as list prints them.
Environment: ORDERS_SERVICE_ADMIN_URL, PAYMENTS_ADAPTER_ADMIN_URL, FULFILLMENT_SERVICE_ADMIN_URL,
SAGA_ORCHESTRATOR_ADMIN_URL (default: the demo's admin ports, 7180-7182).`;

// What the admin API answers (DeadLetterDesk in @order-saga/messaging); scripts do not import
// the package, which needs a build, so the shapes the CLI prints are restated here.
interface Group {
  readonly code: string;
  readonly type: string | null;
  readonly count: number;
  readonly parked: number;
  readonly redriven: number;
  readonly originalTopics: string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
}

interface Summary {
  readonly id: string;
  readonly key: string;
  readonly status: string;
  readonly error: { readonly code: string; readonly message: string };
  readonly messageType: string | null;
  readonly failedAt: string;
  readonly redriveCount: number;
  readonly original: {
    readonly topic: string | null;
    readonly partition: number | null;
    readonly offset: string | null;
  };
}

interface Listing {
  readonly consumerGroup: string;
  readonly topics: string[];
  readonly redriveCap: number;
  readonly total: number;
  readonly groups: Group[];
  readonly items: Summary[];
}

interface Detail extends Summary {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string | null;
  readonly messageId: string | null;
  readonly correlationId: string | null;
  readonly seen: { readonly first: string; readonly last: string; readonly times: number };
  readonly actions: ReadonlyArray<{
    action: string;
    at: string;
    by: string | null;
    reason: string | null;
  }>;
  readonly headers: Record<string, string>;
  readonly payload: string;
  readonly payloadEncoding: string;
}

interface RedriveReport {
  readonly dryRun: boolean;
  readonly redriveCap: number;
  readonly results: ReadonlyArray<{
    id: string;
    outcome: 'would-redrive' | 'redriven' | 'refused';
    originalTopic: string;
    key: string;
    messageType: string | null;
    code: string;
    redriveCount: number;
    reason?: string;
  }>;
}

interface PurgeReport {
  readonly dryRun: boolean;
  readonly purged: ReadonlyArray<{
    id: string;
    status: string;
    key: string;
    messageType: string | null;
    code: string;
  }>;
  readonly deleted: ReadonlyArray<{ topic: string; partition: number; before: string }>;
}

const CONSUMERS: readonly ProcessName[] = [
  'orders-service',
  'payments-adapter',
  'fulfillment-service',
  'saga-orchestrator',
];

type Env = Readonly<Record<string, string | undefined>>;

/** The services to ask: the one named, or every consumer (the orchestrator only when its URL is set). */
function servicesInScope(only: string | undefined, env: Env): ProcessName[] {
  if (only !== undefined) {
    const named = CONSUMERS.find((s) => s === only);
    if (named === undefined)
      throw usageError(`--service must be one of ${CONSUMERS.join(', ')}`, USAGE);
    return [named];
  }
  return CONSUMERS.filter(
    (s) => s !== 'saga-orchestrator' || (env[adminUrlVariable(s)] ?? '') !== '',
  );
}

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
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

interface Reached {
  readonly client: AdminClient;
  readonly listing: Listing;
}

/** Lists every service in scope; an unreachable one is reported and skipped unless it was named. */
async function listAll(
  services: readonly ProcessName[],
  query: string,
  env: Env,
): Promise<Reached[]> {
  const reached: Reached[] = [];
  for (const service of services) {
    const client = adminClient(service, env);
    try {
      reached.push({ client, listing: await client.get<Listing>(`/admin/dead-letters${query}`) });
    } catch (error) {
      if (services.length === 1 || !(error instanceof AdminCliError)) throw error;
      console.error(`${service}: skipped, ${error.message.split('\n')[0] ?? ''}`);
    }
  }
  if (reached.length === 0) throw new AdminCliError('no consuming service answered');
  return reached;
}

function printListing(service: string, listing: Listing): void {
  console.log(
    `${service}: ${plural(listing.total, 'dead letter')} on ${listing.topics.join(', ')} ` +
      `(group ${listing.consumerGroup}; at most ${plural(listing.redriveCap, 'redrive')} per message)`,
  );
  if (listing.total === 0) return;
  console.log('');
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
    console.log(`  ${line}`);
  console.log('');
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
    console.log(`  ${line}`);
}

function printDetail(service: string, d: Detail): void {
  console.log(`${d.id}  (${service}, ${d.status})`);
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
  for (const line of fieldLines(fields, '  ')) console.log(line);
  if (d.actions.length > 0) {
    console.log('  actions');
    for (const a of d.actions)
      console.log(
        `    ${when(a.at)}  ${a.action}${a.by === null ? '' : ` by ${a.by}`}${a.reason === null ? '' : `: ${a.reason}`}`,
      );
  }
  console.log('  headers');
  for (const line of fieldLines(d.headers, '    ')) console.log(line);
  console.log(`  payload (${d.payloadEncoding})`);
  console.log(`    ${d.payload}`);
}

interface Selection {
  readonly ids: string[];
  readonly code: string | undefined;
  readonly type: string | undefined;
  readonly all: boolean;
}

function selectionBody(s: Selection): Record<string, unknown> {
  if (s.ids.length > 0) return { ids: s.ids };
  if (s.all) return { all: true };
  return {
    ...(s.code === undefined ? {} : { code: s.code }),
    ...(s.type === undefined ? {} : { type: s.type }),
  };
}

/** Which service holds each id (ids are per topic, a dead letter belongs to one consumer group). */
function owners(reached: readonly Reached[], ids: readonly string[]): Map<AdminClient, string[]> {
  const byService = new Map<AdminClient, string[]>();
  const missing: string[] = [];
  for (const id of ids) {
    const owner = reached.find((r) => r.listing.items.some((i) => i.id === id));
    if (owner === undefined) missing.push(id);
    else byService.set(owner.client, [...(byService.get(owner.client) ?? []), id]);
  }
  if (missing.length > 0)
    throw new AdminCliError(
      `no unpurged dead letter ${missing.join(', ')} on ${reached.map((r) => r.client.service).join(', ')}`,
    );
  return byService;
}

async function act(
  command: 'redrive' | 'purge',
  selection: Selection,
  body: Record<string, unknown>,
  services: readonly ProcessName[],
  env: Env,
): Promise<void> {
  const reached = await listAll(services, '', env);
  const targets =
    selection.ids.length > 0
      ? [...owners(reached, selection.ids)].map(([client, ids]) => ({
          client,
          body: { ...body, ids },
        }))
      : reached.map(({ client }) => ({ client, body: { ...body, ...selectionBody(selection) } }));
  const apply = body['apply'] === true;
  let done = 0;
  let refused = 0;
  let planned = 0;
  for (const { client, body: request } of targets) {
    if (command === 'redrive') {
      const report = await client.post<RedriveReport>('/admin/dead-letters/redrive', request);
      if (report.results.length === 0) continue;
      console.log(
        `${client.service} (at most ${plural(report.redriveCap, 'redrive')} per message)`,
      );
      for (const line of table(
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
      ))
        console.log(`  ${line}`);
      done += report.results.filter((r) => r.outcome === 'redriven').length;
      planned += report.results.filter((r) => r.outcome === 'would-redrive').length;
      refused += report.results.filter((r) => r.outcome === 'refused').length;
    } else {
      const report = await client.post<PurgeReport>('/admin/dead-letters/purge', request);
      if (report.purged.length === 0) continue;
      console.log(client.service);
      for (const line of table(
        ['', 'id', 'status', 'type', 'code', 'key'],
        report.purged.map((p) => [
          apply ? 'purged' : 'would purge',
          p.id,
          p.status,
          p.messageType ?? '(none)',
          p.code,
          short(p.key === '' ? '(none)' : p.key, 36),
        ]),
      ))
        console.log(`  ${line}`);
      for (const cut of report.deleted)
        console.log(
          `  ${apply ? 'deleted' : 'would delete'} ${cut.topic} partition ${cut.partition} below offset ${cut.before} (every record there handled)`,
        );
      if (apply) done += report.purged.length;
      else planned += report.purged.length;
    }
  }
  const noun = command === 'redrive' ? 're-drive' : 'purge';
  if (done + planned + refused === 0) console.log(`nothing to ${noun}: no dead letter matched`);
  else if (!apply)
    console.log(
      `\nDRY RUN: nothing was changed. ${plural(planned, 'dead letter')} would be ${command === 'redrive' ? 're-driven' : 'purged'}` +
        `${refused > 0 ? `, ${refused} refused` : ''}; add --apply to do it.`,
    );
  else
    console.log(
      `\nAPPLIED: ${plural(done, 'dead letter')} ${command === 'redrive' ? 're-driven' : 'purged'}${refused > 0 ? `, ${refused} refused` : ''}.`,
    );
  if (apply && refused > 0)
    throw new AdminCliError(`${plural(refused, 'dead letter')} refused by the redrive cap`);
}

async function main(args: readonly string[], env: Env = process.env): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        service: { type: 'string' },
        code: { type: 'string' },
        type: { type: 'string' },
        status: { type: 'string' },
        all: { type: 'boolean', default: false },
        apply: { type: 'boolean', default: false },
        by: { type: 'string' },
        reason: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw usageError((error as Error).message, USAGE);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  const services = servicesInScope(values.service, env);
  switch (command) {
    case 'list': {
      if (rest.length > 0) throw usageError('list takes no ids (use show <id>)', USAGE);
      const query = new URLSearchParams();
      for (const name of ['code', 'type', 'status'] as const) {
        const value = values[name];
        if (value !== undefined) query.set(name, value);
      }
      const text = query.toString();
      const reached = await listAll(services, text === '' ? '' : `?${text}`, env);
      reached.forEach(({ client, listing }, i) => {
        if (i > 0) console.log('');
        printListing(client.service, listing);
      });
      return;
    }
    case 'show': {
      const [id] = rest;
      if (id === undefined || rest.length !== 1) throw usageError('show takes one id', USAGE);
      const reached = await listAll(services, '', env);
      const [client] = [...owners(reached, [id]).keys()];
      if (client === undefined) throw new AdminCliError(`no dead letter ${id}`);
      printDetail(
        client.service,
        await client.get<Detail>(`/admin/dead-letters/${encodeURIComponent(id)}`),
      );
      return;
    }
    case 'redrive':
    case 'purge': {
      const selection: Selection = {
        ids: rest,
        code: values.code,
        type: values.type,
        all: values.all,
      };
      const ways = [
        rest.length > 0,
        values.code !== undefined || values.type !== undefined,
        values.all,
      ];
      if (ways.filter(Boolean).length !== 1)
        throw usageError(`${command} takes ids, or --code/--type, or --all (one of them)`, USAGE);
      const by = values.by ?? userInfo().username;
      await act(
        command,
        selection,
        {
          apply: values.apply,
          ...(by === '' ? {} : { by }),
          ...(values.reason === undefined ? {} : { reason: values.reason }),
        },
        services,
        env,
      );
      return;
    }
    default:
      throw usageError(`unknown command ${command}`, USAGE);
  }
}

runAdminCli((args) => main(args));
