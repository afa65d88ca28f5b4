import { describe, expect, it } from 'vitest';
import { NotFoundException } from '@nestjs/common';
import { POOL_QUEUE_TIMEOUT_MESSAGE, PoolSaturatedError } from '@order-saga/persistence';
import { ProblemError, problemBody } from './problem';
import { toProblem } from './problem-mapping';

describe('ProblemError', () => {
  it('takes detail and field errors as options, and omits what is not given', () => {
    const problem = new ProblemError(400, 'ORDER.QUERY_INVALID', 'The query is invalid', {
      errors: [{ field: 'limit', message: 'too big' }],
    });
    expect(problemBody(problem, '/orders')).toEqual({
      type: 'urn:order-saga:problem:ORDER.QUERY_INVALID',
      title: 'The query is invalid',
      status: 400,
      code: 'ORDER.QUERY_INVALID',
      instance: '/orders',
      errors: [{ field: 'limit', message: 'too big' }],
    });
  });

  it('keeps the error it wraps as its cause, and never sends it', () => {
    const cause = new Error('connection reset by peer');
    const { problem, unexpected } = toProblem(cause);
    expect(unexpected).toBe(true);
    expect(problem.cause).toBe(cause);
    expect(JSON.stringify(problemBody(problem))).not.toContain('connection reset');
    const framework = new NotFoundException();
    expect(toProblem(framework).problem).toMatchObject({
      code: 'ROUTE.NOT_FOUND',
      cause: framework,
    });
  });

  it('a saturated pool is the service at capacity (503 SERVICE.OVERLOADED), not a database outage', () => {
    const timeout = new Error(POOL_QUEUE_TIMEOUT_MESSAGE);
    const saturated = new PoolSaturatedError(
      { size: 10, total: 10, idle: 0, waiting: 40, answering: true },
      5_000,
      {
        cause: timeout,
      },
    );
    const wrapped = Object.assign(new Error('query failed'), { driverError: saturated });
    const mapped = toProblem(wrapped);
    expect(mapped).toMatchObject({ unexpected: false, outage: false });
    expect(mapped.problem).toMatchObject({ status: 503, code: 'SERVICE.OVERLOADED' });
    expect(mapped.problem.headers).toEqual({ 'retry-after': '2' });
    // The same queue timeout with no connection coming back meanwhile is an outage.
    expect(toProblem(timeout)).toMatchObject({
      problem: { status: 503, code: 'SERVICE.DATABASE_UNAVAILABLE' },
      outage: true,
    });
  });
});
