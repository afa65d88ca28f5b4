// `npm run dlt -- <command>`: the operator's side of dead letters. Talks to the admin port of
// each consuming service (<SERVICE>_ADMIN_URL, or the port `npm run demo` gives it); every rule
// (grouping, the redrive cap, what a purge deletes) lives behind that API, in DeadLetterDesk.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  AdminCliError,
  adminClient,
  adminUrlVariable,
  runAdminCli,
  usageError,
  type AdminClient,
} from '../admin/admin-client.ts';
import type { ProcessName } from '../system/saga-system.ts';
import type { Detail, Listing, PurgeReport, RedriveReport } from './admin-api.ts';
import {
  actionTotalLines,
  detailLines,
  listingLines,
  plural,
  purgeReportLines,
  redriveReportLines,
} from './format.ts';

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

const print = (lines: readonly string[]): void => {
  for (const line of lines) console.log(line);
};

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
      print(redriveReportLines(client.service, report));
      done += report.results.filter((r) => r.outcome === 'redriven').length;
      planned += report.results.filter((r) => r.outcome === 'would-redrive').length;
      refused += report.results.filter((r) => r.outcome === 'refused').length;
    } else {
      const report = await client.post<PurgeReport>('/admin/dead-letters/purge', request);
      if (report.purged.length === 0) continue;
      print(purgeReportLines(client.service, report, apply));
      if (apply) done += report.purged.length;
      else planned += report.purged.length;
    }
  }
  print(actionTotalLines(command, apply, { done, planned, refused }));
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
        print(listingLines(client.service, listing));
      });
      return;
    }
    case 'show': {
      const [id] = rest;
      if (id === undefined || rest.length !== 1) throw usageError('show takes one id', USAGE);
      const reached = await listAll(services, '', env);
      const [client] = [...owners(reached, [id]).keys()];
      if (client === undefined) throw new AdminCliError(`no dead letter ${id}`);
      print(
        detailLines(
          client.service,
          await client.get<Detail>(`/admin/dead-letters/${encodeURIComponent(id)}`),
        ),
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
