import { describe, expect, it } from 'vitest';
import { ContractViolation } from '@order-saga/contracts';
import { BreakerOpenError, type RetryPolicy } from '@order-saga/resilience';
import { DependencyUnavailableError, ServiceBusyError, TerminalError } from '../errors';
import { NO_TRIES, classifyFailure, decideDelivery, type Tries } from './delivery-policy';

const policy: RetryPolicy = {
  baseMs: 100,
  capMs: 5_000,
  attempts: 3,
  jitter: 'full',
  whenExhausted: 'dead-letter',
};
const top = (): number => 1; // the jitter's upper bound, so delays are the ceilings

function replay(errors: readonly unknown[]): ReturnType<typeof decideDelivery>[] {
  let tries: Tries = NO_TRIES;
  return errors.map((error) => {
    const step = decideDelivery(error, tries, policy, top);
    tries = step.tries;
    return step;
  });
}

describe('classifyFailure', () => {
  it('reads terminal errors, contract violations, outages and everything else', () => {
    expect(classifyFailure(new TerminalError('ORDER.UNKNOWN', 'no'))).toBe('terminal');
    expect(classifyFailure(new ContractViolation('ENVELOPE.SCHEMA_VIOLATION', 'bad'))).toBe(
      'terminal',
    );
    expect(classifyFailure(new DependencyUnavailableError('provider down'))).toBe(
      'dependency-down',
    );
    const open = new BreakerOpenError({
      name: 'payment-provider',
      state: 'open',
      openedAt: new Date(0),
      reason: 'failures',
      held: false,
      shared: true,
    });
    expect(classifyFailure(open)).toBe('dependency-down');
    expect(classifyFailure(new ServiceBusyError('pool full'))).toBe('busy');
    expect(classifyFailure(new Error('connection reset'))).toBe('transient');
    expect(classifyFailure('a string')).toBe('transient');
  });
});

describe('decideDelivery', () => {
  it('retries a transient failure with growing delays, then dead-letters it when attempts are spent', () => {
    const steps = replay([new Error('a'), new Error('b'), new Error('c')]);
    expect(steps.map((s) => s.decision)).toEqual([
      { action: 'retry', delayMs: 100 },
      { action: 'retry', delayMs: 200 },
      { action: 'dead-letter', why: 'attempts-spent', code: 'Error', reason: 'c' },
    ]);
  });

  it('dead-letters a terminal failure at once, with its code', () => {
    const [step] = replay([new TerminalError('ORDER.UNKNOWN', 'no such order')]);
    expect(step?.decision).toEqual({
      action: 'dead-letter',
      why: 'terminal',
      code: 'ORDER.UNKNOWN',
      reason: 'no such order',
    });
  });

  it('waits out an outage without spending attempts, with delays capped', () => {
    const outage = Array.from({ length: 10 }, () => new DependencyUnavailableError('down'));
    const steps = replay([...outage, new Error('after'), new Error('after')]);
    expect(steps.slice(0, 10).every((s) => s.decision.action === 'wait-for-dependency')).toBe(true);
    expect(steps[9]?.decision).toEqual({ action: 'wait-for-dependency', delayMs: 5_000 });
    expect(steps[10]?.decision.action).toBe('retry');
    expect(steps[11]?.tries).toEqual({ deliveries: 12, attempts: 2 });
    expect(steps[11]?.decision.action).toBe('retry');
  });

  it('retries a busy service without spending attempts, and not as an outage', () => {
    const busy = Array.from({ length: 6 }, () => new ServiceBusyError('pool full'));
    const steps = replay([...busy, new Error('after')]);
    expect(steps.slice(0, 6).map((s) => s.decision.action)).toEqual(Array(6).fill('retry'));
    expect(steps[5]?.tries).toEqual({ deliveries: 6, attempts: 0 });
    expect(steps[6]?.tries).toEqual({ deliveries: 7, attempts: 1 });
  });

  it('dead-letters a transient failure after an outage once the budget is spent', () => {
    const steps = replay([
      new DependencyUnavailableError('down'),
      new Error('1'),
      new Error('2'),
      new Error('3'),
    ]);
    expect(steps.map((s) => s.decision.action)).toEqual([
      'wait-for-dependency',
      'retry',
      'retry',
      'dead-letter',
    ]);
  });
});
