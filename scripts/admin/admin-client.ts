// The operator CLIs' shared half (`npm run provider`, dead letters, compensation retry): finds a
// service's admin listener, calls it, and turns what comes back - data, problem+json, or no
// answer at all - into lines a person can read. Each CLI keeps only its commands and formatting.
import { adminPortOf } from '../demo/config.ts';
import type { ProcessName, ServiceName } from '../system/saga-system.ts';

/** A failure the CLI explains in one message; exit status 1 (2 for usage errors). */
export class AdminCliError extends Error {
  override readonly name = 'AdminCliError';
  // No parameter properties: scripts run through Node's type stripping.
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function usageError(message: string, usage: string): AdminCliError {
  return new AdminCliError(`${message}\n\n${usage}`, 2);
}

type Env = Readonly<Record<string, string | undefined>>;

const DEMO_SERVICES: readonly ProcessName[] = [
  'orders-service',
  'payments-adapter',
  'fulfillment-service',
  'payment-provider-sim',
];

/** PAYMENT_PROVIDER_SIM_ADMIN_URL for payment-provider-sim, and so on. */
export function adminUrlVariable(service: ProcessName): string {
  return `${service.toUpperCase().replaceAll('-', '_')}_ADMIN_URL`;
}

/**
 * Where a service's admin listener is: `<SERVICE>_ADMIN_URL` if set (another machine, a
 * `kubectl port-forward`), otherwise the port `npm run demo` gives it on this machine.
 */
export function adminUrlOf(service: ProcessName, env: Env = process.env): string {
  const variable = adminUrlVariable(service);
  const explicit = env[variable]?.trim();
  if (explicit !== undefined && explicit !== '') {
    if (!URL.canParse(explicit)) throw new AdminCliError(`${variable} is not a URL: "${explicit}"`);
    return explicit.replace(/\/+$/, '');
  }
  if (!DEMO_SERVICES.includes(service))
    throw new AdminCliError(`${service} has no demo admin port: set ${variable}`);
  return `http://127.0.0.1:${adminPortOf(service as ServiceName, env)}`;
}

interface Problem {
  readonly status?: number;
  readonly code?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly errors?: ReadonlyArray<{ field: string; message: string }>;
}

function describeProblem(service: string, status: number, body: unknown): string {
  if (typeof body !== 'object' || body === null)
    return `${service} answered ${status}${typeof body === 'string' && body !== '' ? `: ${body.slice(0, 300)}` : ''}`;
  const problem = body as Problem;
  const lines = [
    `${service} answered ${status} ${problem.code ?? ''}: ${problem.title ?? 'request failed'}`.replace(
      '  ',
      ' ',
    ),
    ...(problem.detail === undefined ? [] : [`  ${problem.detail}`]),
    ...(problem.errors ?? []).map((e) => `  ${e.field}: ${e.message}`),
  ];
  return lines.join('\n');
}

export interface AdminClient {
  readonly service: ProcessName;
  readonly baseUrl: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

// Operator calls are small; a listener that takes longer than this is not going to answer.
const CALL_TIMEOUT_MS = 10_000;

export function adminClient(service: ProcessName, env: Env = process.env): AdminClient {
  const baseUrl = adminUrlOf(service, env);
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = `${baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new AdminCliError(
        `cannot reach the admin port of ${service} at ${baseUrl} (${cause}).\n` +
          `  Is \`npm run demo\` running? Otherwise set ${adminUrlVariable(service)}, e.g. to\n` +
          `  http://127.0.0.1:9080 after \`kubectl port-forward deploy/<release>-${service} 9080\`.`,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text for the message
    }
    if (!response.ok) throw new AdminCliError(describeProblem(service, response.status, parsed));
    return parsed as T;
  }
  return {
    service,
    baseUrl,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
    put: (path, body) => call('PUT', path, body ?? {}),
    patch: (path, body) => call('PATCH', path, body ?? {}),
    delete: (path) => call('DELETE', path),
  };
}

/** `key  value` lines, keys aligned; nested objects one level down, indented. */
export function fieldLines(record: Readonly<Record<string, unknown>>, indent = ''): string[] {
  const width = Math.max(0, ...Object.keys(record).map((k) => k.length));
  return Object.entries(record).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? [`${indent}${key}`, ...fieldLines(value as Record<string, unknown>, `${indent}  `)]
      : [
          `${indent}${key.padEnd(width)}  ${Array.isArray(value) ? value.join(', ') : String(value)}`,
        ],
  );
}

/** Runs a CLI's main and exits: 0, or the AdminCliError's status with its message on stderr. */
export function runAdminCli(main: (args: readonly string[]) => Promise<void>): void {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof AdminCliError) {
        console.error(error.message);
        process.exit(error.exitCode);
      }
      console.error(error);
      process.exit(1);
    },
  );
}
