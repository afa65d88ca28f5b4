import { ProblemError } from '@order-saga/service-runtime';

// The Idempotency-Key errors, with stable codes (IETF httpapi idempotency-key draft, section 2.7).

export function idempotencyKeyMalformed(reason: string): ProblemError {
  return new ProblemError(
    400,
    'IDEMPOTENCY.KEY_MALFORMED',
    'The Idempotency-Key header is malformed',
    { detail: `Idempotency-Key ${reason}` },
  );
}

export function clientIdMalformed(reason: string): ProblemError {
  return new ProblemError(
    400,
    'IDEMPOTENCY.CLIENT_ID_MALFORMED',
    'The X-Client-Id header is malformed',
    { detail: `X-Client-Id ${reason}` },
  );
}

export function idempotencyKeyReused(): ProblemError {
  return new ProblemError(
    422,
    'IDEMPOTENCY.KEY_REUSED',
    'The Idempotency-Key was used for a different request',
    {
      detail:
        'a request with this key and another body was already accepted; use a new key for a new request',
    },
  );
}

export function requestInFlight(retryAfterSeconds: number): ProblemError {
  return new ProblemError(
    409,
    'IDEMPOTENCY.REQUEST_IN_FLIGHT',
    'A request with this Idempotency-Key is still being processed',
    {
      detail: `retry after ${retryAfterSeconds} s to get its response`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    },
  );
}
