// `npm run provider -- <command>`: the words a person types, turned into calls on
// payment-provider-sim's admin API (PATCH /admin/provider with a partial behaviour, or a read).
// Pure, so the grammar is unit-tested without a running simulator.

/** The subset of the simulator's behaviour a command changes (see its processor/behaviour.ts). */
export interface KnobPatch {
  latency?: { baseMs?: number; jitterMs?: number; tailRate?: number; tailMs?: number };
  slowdownMs?: number;
  errorRate?: number;
  errorMix?: { serverError?: number; timeout?: number; reset?: number };
  outage?: boolean;
  async?: { enabled?: boolean; delayMs?: number; duplicateRate?: number; reorderRate?: number };
}

export type Command =
  | { readonly kind: 'status' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'ledger'; readonly reference: string | undefined }
  | { readonly kind: 'change'; readonly patch: KnobPatch };

export const USAGE = `usage: npm run provider -- <command> [--json]

Changes payment-provider-sim's behaviour at runtime, through its admin port.

  status                                  knobs in force, availability, calls by outcome
  outage on|off                           every payment call answers 503; /health/ready fails
  latency <ms> [jitter <ms>] [tail <%> <ms>]
                                          e.g. latency 200ms · latency 40ms jitter 20ms tail 1% 800ms
  slow <ms>|off                           extra delay on every call (a provider having a bad day)
  errors <%>|off [5xx] [timeout] [reset]  transient failures, by default all three kinds alike
                                          e.g. errors 5% · errors 10% timeout
  async on|off [delay <ms>] [duplicates <%>] [reorder <%>]
                                          202 now, the result later as signed webhooks,
                                          some delivered twice, some final-first
  ledger [<orderId>]                      payments, refunds, calls and webhook deliveries
  reset                                   back to the perfect processor

Durations: 200, 200ms, 2s. Shares: 5% or 5. --json prints the admin API's answer as is.
The simulator is found at PAYMENT_PROVIDER_SIM_ADMIN_URL, else at the demo's admin port
(127.0.0.1:7184, DEMO_PROVIDER_ADMIN_PORT).`;

export class CommandError extends Error {
  override readonly name = 'CommandError';
}

export function parseDuration(word: string | undefined, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(word ?? '');
  if (match === null)
    throw new CommandError(`${what}: expected a duration like 200ms or 2s, got "${word ?? ''}"`);
  const value = Number(match[1]) * (match[2] === 's' ? 1000 : 1);
  if (value > 600_000) throw new CommandError(`${what}: at most 600s`);
  return Math.round(value);
}

export function parseShare(word: string | undefined, what: string): number {
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(word ?? '');
  const percent = match === null ? NaN : Number(match[1]);
  if (!(percent >= 0 && percent <= 100))
    throw new CommandError(`${what}: expected a share from 0% to 100%, got "${word ?? ''}"`);
  return percent / 100;
}

function onOff(word: string | undefined, what: string): boolean {
  if (word === 'on') return true;
  if (word === 'off') return false;
  throw new CommandError(`${what}: expected on or off, got "${word ?? ''}"`);
}

/** Reads `name value` pairs after a command, each name at most once. */
function options(
  words: readonly string[],
  names: readonly string[],
  what: string,
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let i = 0;
  while (i < words.length) {
    const name = words[i] ?? '';
    if (!names.includes(name)) throw new CommandError(`${what}: unknown option "${name}"`);
    if (found.has(name)) throw new CommandError(`${what}: "${name}" given twice`);
    const arity = name === 'tail' ? 2 : 1;
    found.set(name, words.slice(i + 1, i + 1 + arity));
    i += 1 + arity;
  }
  return found;
}

const ERROR_KINDS = { '5xx': 'serverError', timeout: 'timeout', reset: 'reset' } as const;

export function parseCommand(args: readonly string[]): Command {
  const [name, ...rest] = args;
  switch (name) {
    case undefined:
    case 'status':
      return { kind: 'status' };
    case 'reset':
      return { kind: 'reset' };
    case 'ledger':
      if (rest.length > 1) throw new CommandError('ledger: at most one order id');
      return { kind: 'ledger', reference: rest[0] };
    case 'outage':
      return { kind: 'change', patch: { outage: onOff(rest[0], 'outage') } };
    case 'slow':
      return {
        kind: 'change',
        patch: { slowdownMs: rest[0] === 'off' ? 0 : parseDuration(rest[0], 'slow') },
      };
    case 'latency': {
      const opts = options(rest.slice(1), ['jitter', 'tail'], 'latency');
      const tail = opts.get('tail');
      return {
        kind: 'change',
        patch: {
          latency: {
            baseMs: parseDuration(rest[0], 'latency'),
            jitterMs: opts.has('jitter') ? parseDuration(opts.get('jitter')?.[0], 'jitter') : 0,
            tailRate: tail === undefined ? 0 : parseShare(tail[0], 'tail'),
            tailMs: tail === undefined ? 0 : parseDuration(tail[1], 'tail'),
          },
        },
      };
    }
    case 'errors': {
      if (rest[0] === 'off') return { kind: 'change', patch: { errorRate: 0 } };
      const errorRate = parseShare(rest[0], 'errors');
      const kinds = rest.slice(1);
      for (const kind of kinds)
        if (!(kind in ERROR_KINDS))
          throw new CommandError(`errors: unknown kind "${kind}" (5xx, timeout, reset)`);
      const all = kinds.length === 0;
      const weight = (kind: keyof typeof ERROR_KINDS): number =>
        all || kinds.includes(kind) ? 1 : 0;
      return {
        kind: 'change',
        patch: {
          errorRate,
          errorMix: {
            serverError: weight('5xx'),
            timeout: weight('timeout'),
            reset: weight('reset'),
          },
        },
      };
    }
    case 'async': {
      const enabled = onOff(rest[0], 'async');
      const opts = options(rest.slice(1), ['delay', 'duplicates', 'reorder'], 'async');
      const delay = opts.get('delay')?.[0];
      const duplicates = opts.get('duplicates')?.[0];
      const reorder = opts.get('reorder')?.[0];
      return {
        kind: 'change',
        patch: {
          async: {
            enabled,
            ...(delay === undefined ? {} : { delayMs: parseDuration(delay, 'delay') }),
            ...(duplicates === undefined
              ? {}
              : { duplicateRate: parseShare(duplicates, 'duplicates') }),
            ...(reorder === undefined ? {} : { reorderRate: parseShare(reorder, 'reorder') }),
          },
        },
      };
    }
    default:
      throw new CommandError(`unknown command "${name}"`);
  }
}
