/**
 * The `Idempotency-Key` request header of the IETF httpapi draft: an RFC 8941 structured-field
 * string, i.e. quoted (`Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`), printable
 * ASCII only, with `\"` and `\\` as its only escapes. We also bound its length: the key is part of
 * a primary key and of a Redis key, and no client needs more than a UUID or two.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export type ParsedIdempotencyKey =
  { readonly ok: true; readonly key: string } | { readonly ok: false; readonly reason: string };

const EXAMPLE = 'e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"';

/** Parses the raw header value(s); `undefined` when the request carries no key. */
export function parseIdempotencyKey(
  header: string | readonly string[] | undefined,
): ParsedIdempotencyKey | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string') {
    return { ok: false, reason: 'the header must appear once' };
  }
  return parseStructuredString(header.trim());
}

function parseStructuredString(value: string): ParsedIdempotencyKey {
  if (value.length < 2 || !value.startsWith('"') || !value.endsWith('"')) {
    return { ok: false, reason: `must be a quoted structured-field string, ${EXAMPLE}` };
  }
  let key = '';
  for (let i = 1; i < value.length - 1; i++) {
    const char = value.charCodeAt(i);
    if (char === 0x5c) {
      const next = value[i + 1];
      // The closing quote is at length - 1: an escape must not consume it.
      if ((next !== '"' && next !== '\\') || i + 1 === value.length - 1) {
        return {
          ok: false,
          reason: 'only \\" and \\\\ may be escaped in a structured-field string',
        };
      }
      key += next;
      i++;
      continue;
    }
    if (char === 0x22) return { ok: false, reason: 'an inner double quote must be escaped as \\"' };
    if (char < 0x20 || char > 0x7e) {
      return { ok: false, reason: 'may contain printable ASCII characters only' };
    }
    key += value[i];
  }
  if (key.length === 0) return { ok: false, reason: 'must not be empty' };
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return { ok: false, reason: `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` };
  }
  return { ok: true, key };
}

/**
 * Until the API authenticates its callers, a client names itself in this header and its keys
 * live in their own namespace: two clients that pick the same key never see each other's
 * responses. Requests without it share the `anonymous` scope.
 */
export const CLIENT_ID_HEADER = 'x-client-id';
export const ANONYMOUS_SCOPE = 'anonymous';
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export type ParsedClientScope =
  { readonly ok: true; readonly scope: string } | { readonly ok: false; readonly reason: string };

export function parseClientScope(
  header: string | readonly string[] | undefined,
): ParsedClientScope {
  if (header === undefined) return { ok: true, scope: ANONYMOUS_SCOPE };
  if (typeof header !== 'string') return { ok: false, reason: 'the header must appear once' };
  if (!CLIENT_ID.test(header)) {
    return {
      ok: false,
      reason: 'must be 1-64 characters of letters, digits, ".", "_", ":" or "-"',
    };
  }
  return { ok: true, scope: header };
}
