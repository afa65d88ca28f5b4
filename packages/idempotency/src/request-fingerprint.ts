import { createHash } from 'node:crypto';

/**
 * What makes two requests "the same request" for a key: the operation and the parsed body,
 * serialized canonically (object keys sorted, no whitespace). A client that re-serializes its
 * body with another key order or spacing retries the same request; any changed value (one more
 * item, another amount) is a different request, answered 422 under a key already used.
 */
export function requestFingerprint(operation: string, body: unknown): string {
  return createHash('sha256')
    .update(operation)
    .update('\n')
    .update(canonicalJson(body))
    .digest('hex');
}

/** JSON with object keys in code-point order at every depth; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined (no body) and values JSON cannot carry are fingerprinted as null.
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
