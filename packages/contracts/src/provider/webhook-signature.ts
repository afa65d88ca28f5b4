import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed webhooks, in the scheme card processors use (Stripe's `Stripe-Signature`):
 *
 *   Payment-Signature: t=1764576000,v1=<hex HMAC-SHA256(secret, "1764576000.<raw body>")>
 *
 * The timestamp is signed with the body, so a captured request cannot be re-dated; the receiver
 * rejects timestamps outside its tolerance window, and within it remembers the signatures it
 * accepted (a replay carries the same one). During a secret rotation the sender adds one `v1`
 * per active secret, and the receiver accepts a match against any of its active secrets: either
 * side can switch first.
 */
export const SIGNATURE_HEADER = 'payment-signature';

export type SignatureRejection =
  | 'WEBHOOK.SIGNATURE_MISSING'
  | 'WEBHOOK.SIGNATURE_MALFORMED'
  | 'WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE'
  | 'WEBHOOK.SIGNATURE_MISMATCH';

function hmac(secret: string, timestamp: number, rawBody: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** The header value for `rawBody` signed at `timestamp` (unix seconds) with every secret. */
export function signWebhook(
  rawBody: Buffer | string,
  secrets: readonly string[],
  timestamp: number,
): string {
  if (secrets.length === 0) throw new Error('signing a webhook needs at least one secret');
  return [
    `t=${timestamp}`,
    ...secrets.map((s) => `v1=${hmac(s, timestamp, rawBody).toString('hex')}`),
  ].join(',');
}

export interface VerifiedSignature {
  readonly timestamp: number;
  /** The matching `v1` value: what a replay of this request would carry again. */
  readonly signature: string;
}

/**
 * Checks a `Payment-Signature` header against the raw body. `nowSeconds` and `toleranceSeconds`
 * bound the timestamp both ways (a clock ahead of ours is as suspect as a stale one).
 */
export function verifyWebhook(
  header: string | undefined,
  rawBody: Buffer | string,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds: number,
): VerifiedSignature | { readonly rejected: SignatureRejection } {
  if (header === undefined || header.trim() === '')
    return { rejected: 'WEBHOOK.SIGNATURE_MISSING' };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) return { rejected: 'WEBHOOK.SIGNATURE_MALFORMED' };
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined)
        return { rejected: 'WEBHOOK.SIGNATURE_MALFORMED' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/.test(value)) return { rejected: 'WEBHOOK.SIGNATURE_MALFORMED' };
      candidates.push(value);
    }
    // Other schemes (v0, future versions) are ignored, as the scheme prescribes.
  }
  if (timestamp === undefined || candidates.length === 0)
    return { rejected: 'WEBHOOK.SIGNATURE_MALFORMED' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return { rejected: 'WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE' };
  for (const secret of secrets) {
    const expected = hmac(secret, timestamp, rawBody);
    for (const candidate of candidates) {
      // Constant time: a byte-by-byte early exit would leak how much of a forgery was right.
      if (timingSafeEqual(expected, Buffer.from(candidate, 'hex')))
        return { timestamp, signature: candidate };
    }
  }
  return { rejected: 'WEBHOOK.SIGNATURE_MISMATCH' };
}
