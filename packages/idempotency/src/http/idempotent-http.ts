import {
  IDEMPOTENCY_KEY_HEADER,
  CLIENT_ID_HEADER,
  parseClientScope,
  parseIdempotencyKey,
} from '../idempotency-key';
import type { StoredResponse } from '../idempotency-records';
import type { IdempotencyOutcome, IdempotentRequest } from '../idempotent-requests';
import { requestFingerprint } from '../request-fingerprint';
import {
  clientIdMalformed,
  idempotencyKeyMalformed,
  idempotencyKeyReused,
  requestInFlight,
} from './idempotency.problems';

export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The idempotent request an HTTP request asks for: undefined without an Idempotency-Key header;
 * a 400 problem (thrown, changing nothing) when the key or the client id is malformed.
 */
export function idempotentRequestOf(
  headers: Headers,
  operation: string,
  body: unknown,
): IdempotentRequest | undefined {
  const key = parseIdempotencyKey(headers[IDEMPOTENCY_KEY_HEADER]);
  if (key === undefined) return undefined;
  if (!key.ok) throw idempotencyKeyMalformed(key.reason);
  const scope = parseClientScope(headers[CLIENT_ID_HEADER]);
  if (!scope.ok) throw clientIdMalformed(scope.reason);
  return { scope: scope.scope, key: key.key, fingerprint: requestFingerprint(operation, body) };
}

/** The slice of a Fastify reply this needs. */
export interface Reply {
  status(code: number): Reply;
  headers(values: Record<string, string>): Reply;
  send(body: string): unknown;
}

/** Sends a response built by a command, byte for byte as it will be replayed. */
export function sendStored(reply: Reply, response: StoredResponse, replayed = false): void {
  reply
    .status(response.status)
    .headers({ ...response.headers, ...(replayed ? { [IDEMPOTENT_REPLAYED_HEADER]: 'true' } : {}) })
    .send(response.body);
}

/** Answers an idempotent request: its response, a replay, or a 422/409 problem (thrown). */
export function sendOutcome(reply: Reply, outcome: IdempotencyOutcome): void {
  switch (outcome.kind) {
    case 'executed':
      return sendStored(reply, outcome.response);
    case 'replayed':
      return sendStored(reply, outcome.response, true);
    case 'mismatch':
      throw idempotencyKeyReused();
    case 'in-flight':
      throw requestInFlight(outcome.retryAfterSeconds);
  }
}
