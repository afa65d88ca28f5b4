import { ProblemError, type ProblemField } from '@order-saga/service-runtime';
import type { Admission } from '../application/admission-control';

// Order errors with stable codes. They carry their HTTP status because the API is their only
// transport; consumers classify their own failures (see @order-saga/messaging).

export function orderValidationFailed(errors: readonly ProblemField[]): ProblemError {
  return new ProblemError(400, 'ORDER.VALIDATION_FAILED', 'The order is invalid', {
    detail: `${errors.length} field(s) failed validation`,
    errors,
  });
}

/** Shed at the door (see AdmissionControl): nothing was written, a retry later may succeed. */
export function ordersOverloaded(shed: Extract<Admission, { admitted: false }>): ProblemError {
  const { level, limit, retryAfterSeconds } = shed;
  const what =
    shed.bound === 'backlog'
      ? `${level} sagas are unfinished (bound ${limit})`
      : `${level} requests are waiting for a database connection (bound ${limit})`;
  return new ProblemError(
    503,
    'SERVICE.OVERLOADED',
    shed.bound === 'backlog' ? 'Too many orders in progress' : 'The service is at capacity',
    {
      detail: `${what}; nothing was created, retry after ${retryAfterSeconds} s`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    },
  );
}

export function orderNotFound(id: string): ProblemError {
  return new ProblemError(404, 'ORDER.NOT_FOUND', 'No such order', {
    detail: `order ${id} does not exist`,
  });
}

export function orderIdMalformed(id: string): ProblemError {
  return new ProblemError(400, 'ORDER.ID_MALFORMED', 'The order id is not a UUID', {
    detail: `"${id.slice(0, 64)}" is not a UUID`,
  });
}

export function orderQueryInvalid(errors: readonly ProblemField[]): ProblemError {
  return new ProblemError(400, 'ORDER.QUERY_INVALID', 'The query parameters are invalid', {
    errors,
  });
}
