import { isPoolSaturated } from './pool-saturation';

/**
 * Whether an error means "the database cannot be reached right now" rather than "this statement
 * failed": the server is down, restarting, refusing connections or cut off. Callers treat such an
 * error as an outage of a dependency: a consumer waits without spending the message's attempts,
 * an HTTP request answers 503 with Retry-After. Anything else (a constraint, a bug, a
 * serialization failure) keeps its usual treatment.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // A full pool whose connections keep coming back: the database answers, the service is busy.
  // Its cause is pg-pool's queue timeout, which alone would read as an outage.
  if (isPoolSaturated(error)) return false;
  for (const candidate of causes(error)) {
    const code = codeOf(candidate);
    if (code !== undefined && (NETWORK_CODES.has(code) || isUnavailableSqlState(code))) return true;
    const message = candidate instanceof Error ? candidate.message : '';
    if (PG_CONNECTION_MESSAGES.some((text) => message.includes(text))) return true;
  }
  return false;
}

// Socket errors node-postgres passes through when it cannot reach, or loses, the server.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// node-postgres raises these as plain Errors, without a code.
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  // pg-pool's queue timeout, when no connection came back meanwhile (else PoolSaturatedError).
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/**
 * SQLSTATEs of a server that is going away or not there yet: class 08 (connection exception),
 * 57P01 admin_shutdown (a restart terminates every backend), 57P02 crash_shutdown, 57P03
 * cannot_connect_now (starting up, shutting down, in recovery), 53300 too_many_connections.
 */
function isUnavailableSqlState(code: string): boolean {
  return (
    /^08[0-9A-Z]{3}$/.test(code) ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300'
  );
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The error, what TypeORM wrapped (`driverError`), its `cause` chain and AggregateError members. */
function* causes(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 5) return;
  yield error;
  if (typeof error !== 'object') return;
  if ('driverError' in error) yield* causes(error.driverError, depth + 1);
  if ('cause' in error) yield* causes(error.cause, depth + 1);
  if (error instanceof AggregateError)
    for (const inner of error.errors) yield* causes(inner, depth + 1);
}
