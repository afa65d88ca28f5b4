import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signature';

const BODY = '{"id":"6b1e","type":"payment.succeeded"}';
const NOW = 1_764_576_000;
const TOLERANCE = 300;

describe('webhook signatures', () => {
  it('verifies what was signed, and names the matching signature', () => {
    const header = signWebhook(BODY, ['whsec_current'], NOW);
    expect(header).toMatch(/^t=1764576000,v1=[0-9a-f]{64}$/);
    const verified = verifyWebhook(
      header,
      Buffer.from(BODY),
      ['whsec_current'],
      NOW + 10,
      TOLERANCE,
    );
    expect(verified).toEqual({
      timestamp: NOW,
      signature: header.slice('t=1764576000,v1='.length),
    });
  });

  it('rejects a tampered body, a re-dated timestamp and a wrong secret', () => {
    const header = signWebhook(BODY, ['whsec_current'], NOW);
    const check = (h: string, body: string, secrets = ['whsec_current']): unknown =>
      verifyWebhook(h, body, secrets, NOW, TOLERANCE);
    expect(check(header, BODY.replace('succeeded', 'failed'))).toEqual({
      rejected: 'WEBHOOK.SIGNATURE_MISMATCH',
    });
    expect(check(header.replace(`t=${NOW}`, `t=${NOW + 1}`), BODY)).toEqual({
      rejected: 'WEBHOOK.SIGNATURE_MISMATCH',
    });
    expect(check(header, BODY, ['whsec_other'])).toEqual({
      rejected: 'WEBHOOK.SIGNATURE_MISMATCH',
    });
  });

  it('rejects timestamps outside the tolerance window, both ways', () => {
    for (const signedAt of [NOW - TOLERANCE - 1, NOW + TOLERANCE + 1]) {
      const header = signWebhook(BODY, ['s'], signedAt);
      expect(verifyWebhook(header, BODY, ['s'], NOW, TOLERANCE)).toEqual({
        rejected: 'WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE',
      });
    }
    const edge = signWebhook(BODY, ['s'], NOW - TOLERANCE);
    expect(verifyWebhook(edge, BODY, ['s'], NOW, TOLERANCE)).not.toHaveProperty('rejected');
  });

  it('accepts either secret during a rotation, whichever side switched first', () => {
    // The sender already signs with both; the receiver still knows only the old one.
    const both = signWebhook(BODY, ['whsec_new', 'whsec_old'], NOW);
    expect(verifyWebhook(both, BODY, ['whsec_old'], NOW, TOLERANCE)).not.toHaveProperty('rejected');
    // The receiver accepts both; the sender signs with the new one only.
    const fresh = signWebhook(BODY, ['whsec_new'], NOW);
    expect(
      verifyWebhook(fresh, BODY, ['whsec_new', 'whsec_old'], NOW, TOLERANCE),
    ).not.toHaveProperty('rejected');
    // After the rotation the old secret is gone on both sides.
    const stale = signWebhook(BODY, ['whsec_old'], NOW);
    expect(verifyWebhook(stale, BODY, ['whsec_new'], NOW, TOLERANCE)).toEqual({
      rejected: 'WEBHOOK.SIGNATURE_MISMATCH',
    });
  });

  it('tells a missing header from a malformed one', () => {
    const check = (h: string | undefined): unknown => verifyWebhook(h, BODY, ['s'], NOW, TOLERANCE);
    expect(check(undefined)).toEqual({ rejected: 'WEBHOOK.SIGNATURE_MISSING' });
    expect(check('  ')).toEqual({ rejected: 'WEBHOOK.SIGNATURE_MISSING' });
    for (const malformed of [
      'v1=abc',
      `t=${NOW}`,
      `t=${NOW},v1=nothex`,
      `t=soon,v1=${'a'.repeat(64)}`,
      `t=${NOW},t=${NOW},v1=${'a'.repeat(64)}`,
      'garbage',
    ])
      expect(check(malformed)).toEqual({ rejected: 'WEBHOOK.SIGNATURE_MALFORMED' });
    // Unknown schemes are skipped, not an error: only v1 counts.
    const signed = signWebhook(BODY, ['s'], NOW);
    expect(check(`${signed},v0=${'b'.repeat(64)}`)).not.toHaveProperty('rejected');
  });
});
