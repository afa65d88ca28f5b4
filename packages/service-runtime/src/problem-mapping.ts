import { HttpException, HttpStatus } from '@nestjs/common';
import type { ErrorCode } from '@order-saga/contracts';
import { isDatabaseUnavailable, isPoolSaturated } from '@order-saga/persistence';
import { ProblemError } from './problem';

// Seconds a client should wait before retrying while the database is unreachable: a restart or
// failover takes a few seconds; asking sooner only adds load to the recovery.
const DATABASE_RETRY_AFTER_S = 2;

// Seconds a client should wait after a request that found every pooled connection busy: the
// queue in front of the pool drains within a second or two once new arrivals back off.
const SATURATED_RETRY_AFTER_S = 2;

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.NOT_FOUND]: 'ROUTE.NOT_FOUND',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'ROUTE.METHOD_NOT_ALLOWED',
  [HttpStatus.BAD_REQUEST]: 'REQUEST.INVALID',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'REQUEST.BODY_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Maps anything thrown while serving a request to a problem. Nest turns Fastify's own request
 * errors (body too large, unsupported media type) into HttpExceptions carrying only a status, so
 * the status is what gets a code. Unknown errors become a bare 500.
 */
export function toProblem(error: unknown): {
  problem: ProblemError;
  unexpected: boolean;
  outage: boolean;
} {
  if (error instanceof ProblemError) return { problem: error, unexpected: false, outage: false };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_CODES[status] ?? `HTTP.${status}`;
    return {
      problem: new ProblemError(status, code, error.message, { cause: error }),
      unexpected: status >= 500,
      outage: false,
    };
  }
  // The request waited for a pooled connection that never came free while the database kept
  // answering the others: the service is at capacity, not cut off. Nothing was sent for it.
  if (isPoolSaturated(error)) {
    return {
      problem: new ProblemError(503, 'SERVICE.OVERLOADED', 'The service is at capacity', {
        detail:
          'every database connection stayed busy; nothing was changed, retry after the time in Retry-After',
        headers: { 'retry-after': String(SATURATED_RETRY_AFTER_S) },
        cause: error,
      }),
      unexpected: false,
      outage: false,
    };
  }
  // Nothing was changed (the transaction never committed): the client may retry as it is.
  if (isDatabaseUnavailable(error)) {
    return {
      problem: new ProblemError(
        503,
        'SERVICE.DATABASE_UNAVAILABLE',
        'The service cannot reach its database',
        {
          detail: 'nothing was changed; retry after the time in Retry-After',
          headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
          cause: error,
        },
      ),
      unexpected: false,
      outage: true,
    };
  }
  // Internal details stay in the log; the client gets a stable code and nothing else.
  return {
    problem: new ProblemError(500, 'INTERNAL.UNEXPECTED', 'An unexpected error occurred', {
      cause: error,
    }),
    unexpected: true,
    outage: false,
  };
}
