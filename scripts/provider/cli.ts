// `npm run provider -- <command>`: payment-provider-sim's knobs from a terminal (see USAGE).
import { adminClient, fieldLines, runAdminCli, usageError } from '../admin/admin-client.ts';
import { CommandError, USAGE, parseCommand } from './commands.ts';

interface Status {
  readonly behaviour: {
    readonly latency: { baseMs: number; jitterMs: number; tailRate: number; tailMs: number };
    readonly slowdownMs: number;
    readonly errorRate: number;
    readonly errorMix: { serverError: number; timeout: number; reset: number };
    readonly outage: boolean;
    readonly async: {
      enabled: boolean;
      delayMs: number;
      duplicateRate: number;
      reorderRate: number;
    };
  };
  readonly available: boolean;
  readonly calls: Record<string, number>;
  readonly webhooks: { readonly url: string | null; readonly secrets: number };
}

interface Ledger {
  readonly payments: ReadonlyArray<{
    id: string;
    reference: string;
    amount: number;
    currency: string;
    status: string;
    declineCode: string | null;
  }>;
  readonly refunds: ReadonlyArray<{
    id: string;
    paymentId: string;
    amount: number;
    currency: string;
  }>;
  readonly calls: ReadonlyArray<{
    at: string;
    operation: string;
    reference: string | null;
    outcome: string;
    latencyMs: number;
  }>;
  readonly webhooks: ReadonlyArray<{
    at: string;
    type: string;
    reference: string;
    attempt: number;
    result: number | string;
  }>;
}

const pct = (share: number): string => `${Math.round(share * 1000) / 10}%`;

function describe(status: Status): string[] {
  const b = status.behaviour;
  const kinds = Object.entries({
    '5xx': b.errorMix.serverError,
    timeout: b.errorMix.timeout,
    reset: b.errorMix.reset,
  })
    .filter(([, weight]) => weight > 0)
    .map(([kind]) => kind);
  return fieldLines({
    available: status.available ? 'yes' : 'no (outage)',
    outage: b.outage ? 'on' : 'off',
    latency: `${b.latency.baseMs} ms + up to ${b.latency.jitterMs} ms jitter, ${pct(b.latency.tailRate)} of calls +${b.latency.tailMs} ms`,
    slowdown: b.slowdownMs === 0 ? 'off' : `+${b.slowdownMs} ms on every call`,
    errors: b.errorRate === 0 ? 'off' : `${pct(b.errorRate)} of calls (${kinds.join(', ')})`,
    async: b.async.enabled
      ? `on: webhooks after ${b.async.delayMs} ms, ${pct(b.async.duplicateRate)} twice, ${pct(b.async.reorderRate)} final-first`
      : 'off',
    webhooks:
      status.webhooks.url === null
        ? 'not configured (no WEBHOOK_URL/WEBHOOK_SECRET)'
        : `${status.webhooks.url} (${status.webhooks.secrets} signing secret${status.webhooks.secrets === 1 ? '' : 's'})`,
    calls:
      Object.keys(status.calls).length === 0
        ? 'none yet'
        : Object.entries(status.calls)
            .map(([o, n]) => `${o} ${n}`)
            .join(' · '),
  });
}

function describeLedger(ledger: Ledger): string[] {
  const lines = [`payments (${ledger.payments.length})`];
  for (const p of ledger.payments)
    lines.push(
      `  ${p.id}  ${p.reference}  ${p.amount} ${p.currency}  ${p.status}${p.declineCode === null ? '' : ` (${p.declineCode})`}`,
    );
  lines.push(`refunds (${ledger.refunds.length})`);
  for (const r of ledger.refunds)
    lines.push(`  ${r.id}  for ${r.paymentId}  ${r.amount} ${r.currency}`);
  lines.push(`calls (${ledger.calls.length}, last 20)`);
  for (const c of ledger.calls.slice(-20))
    lines.push(
      `  ${c.at}  ${c.operation.padEnd(9)}  ${(c.reference ?? '-').padEnd(36)}  ${c.outcome.padEnd(20)}  ${c.latencyMs} ms`,
    );
  lines.push(`webhook deliveries (${ledger.webhooks.length}, last 20)`);
  for (const w of ledger.webhooks.slice(-20))
    lines.push(
      `  ${w.at}  ${w.type.padEnd(18)}  ${w.reference}  attempt ${w.attempt}  → ${w.result}`,
    );
  return lines;
}

runAdminCli(async (argv) => {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const json = argv.includes('--json');
  let command;
  try {
    command = parseCommand(argv.filter((a) => a !== '--json'));
  } catch (error) {
    if (error instanceof CommandError) throw usageError(error.message, USAGE);
    throw error;
  }
  const provider = adminClient('payment-provider-sim');
  const print = (value: unknown, lines: () => string[]): void =>
    console.log(json ? JSON.stringify(value, null, 2) : lines().join('\n'));
  switch (command.kind) {
    case 'status': {
      const status = await provider.get<Status>('/admin/provider');
      print(status, () => describe(status));
      return;
    }
    case 'reset': {
      const status = await provider.post<Status>('/admin/provider/reset');
      print(status, () => ['back to the perfect processor', ...describe(status)]);
      return;
    }
    case 'change': {
      const status = await provider.patch<Status>('/admin/provider', command.patch);
      print(status, () => describe(status));
      return;
    }
    case 'ledger': {
      const query =
        command.reference === undefined
          ? ''
          : `?reference=${encodeURIComponent(command.reference)}`;
      const ledger = await provider.get<Ledger>(`/admin/provider/ledger${query}`);
      print(ledger, () => describeLedger(ledger));
      return;
    }
  }
});
