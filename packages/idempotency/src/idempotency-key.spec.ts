import { describe, expect, it } from 'vitest';
import { ANONYMOUS_SCOPE, parseClientScope, parseIdempotencyKey } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it('is absent without the header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it('reads a structured-field string, unescaping \\" and \\\\', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8"')).toEqual({
      ok: true,
      key: '8e03978e-40d5-43e8',
    });
    expect(parseIdempotencyKey(' "a\\"b\\\\c" ')).toEqual({ ok: true, key: 'a"b\\c' });
  });

  it.each([
    ['unquoted', 'abc', 'quoted'],
    ['empty', '""', 'empty'],
    ['one quote', '"', 'quoted'],
    ['an unescaped inner quote', '"a"b"', 'escaped'],
    ['another escape', '"a\\nb"', 'escaped'],
    ['an escape eating the closing quote', '"abc\\"', 'escaped'],
    ['non-ASCII', '"café"', 'ASCII'],
    ['a control character', '"a\tb"', 'ASCII'],
    ['256 characters', `"${'k'.repeat(256)}"`, '255'],
  ])('rejects %s', (_what, header, reason) => {
    const parsed = parseIdempotencyKey(header);
    expect(parsed?.ok).toBe(false);
    if (parsed?.ok === false) expect(parsed.reason).toContain(reason);
  });

  it('accepts 255 characters', () => {
    expect(parseIdempotencyKey(`"${'k'.repeat(255)}"`)).toEqual({ ok: true, key: 'k'.repeat(255) });
  });

  it('rejects the header sent twice', () => {
    expect(parseIdempotencyKey(['"a"', '"b"'])?.ok).toBe(false);
  });
});

describe('parseClientScope', () => {
  it('puts requests without a client id in the anonymous scope', () => {
    expect(parseClientScope(undefined)).toEqual({ ok: true, scope: ANONYMOUS_SCOPE });
  });

  it('takes a token-like client id as the scope', () => {
    expect(parseClientScope('shop-42.eu')).toEqual({ ok: true, scope: 'shop-42.eu' });
  });

  it.each(['', 'has space', 'x'.repeat(65), 'ünïcode'])('rejects %j', (header) => {
    expect(parseClientScope(header).ok).toBe(false);
  });
});
