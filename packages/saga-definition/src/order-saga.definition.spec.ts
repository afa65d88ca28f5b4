import { describe, expect, it } from 'vitest';
import { MESSAGES } from '@order-saga/contracts';
import { chooseDeadline } from './deadline';
import { ORDER_SAGA } from './order-saga.definition';
import { choreographyInputs, classifyFact, compensationOrder, sagaFacts } from './saga-definition';
import {
  STEP_STATUSES,
  STEP_STATUS_RANK,
  canMove,
  stepUpdates,
  summarize,
  type StepStatus,
} from './saga-progress';

describe('the declared order saga', () => {
  it('names only messages of the contract, commands on command topics and facts on event topics', () => {
    const commands = ORDER_SAGA.steps.flatMap((s) => [s.command, s.compensation.command]);
    for (const name of commands) expect(MESSAGES[name].topic).toMatch(/\.commands$/);
    for (const name of [...sagaFacts(ORDER_SAGA), ORDER_SAGA.abortedBy, ORDER_SAGA.startedBy])
      expect(MESSAGES[name].topic).toMatch(/\.events$/);
  });

  it('gives every fact one meaning', () => {
    const facts = sagaFacts(ORDER_SAGA);
    expect(new Set(facts).size).toBe(facts.length);
    expect(facts.map((f) => `${f}:${classifyFact(ORDER_SAGA, f)?.role}`)).toEqual([
      'PaymentInitiated:started',
      'PaymentConfirmed:succeeded',
      'PaymentFailed:failed',
      'PaymentRefunded:compensated',
      'PaymentRefundFailed:compensation-failed',
      'InventoryReserved:succeeded',
      'InventoryFailed:failed',
      'InventoryReleased:compensated',
    ]);
    expect(classifyFact(ORDER_SAGA, 'OrderDeadlineExceeded')).toEqual({ role: 'aborted' });
    expect(classifyFact(ORDER_SAGA, 'OrderFulfilled')).toBeUndefined();
  });

  it('chains each choreography step on the success of the step before it', () => {
    const [payment, inventory] = ORDER_SAGA.steps;
    expect(payment.triggeredBy).toBe(ORDER_SAGA.startedBy);
    expect(inventory.triggeredBy).toBe(payment.succeededBy);
  });

  it('tells each choreography participant what makes it act and what makes it undo', () => {
    expect(choreographyInputs(ORDER_SAGA, 'payment')).toEqual({
      action: 'OrderCreated',
      compensation: ['InventoryFailed', 'OrderDeadlineExceeded'],
    });
    expect(choreographyInputs(ORDER_SAGA, 'inventory')).toEqual({
      action: 'PaymentConfirmed',
      compensation: ['OrderDeadlineExceeded'],
    });
  });

  it('undoes last-done first, the step in flight before the ones done', () => {
    const names = (steps: ReturnType<typeof compensationOrder>): string[] =>
      steps.map((s) => s.name);
    expect(names(compensationOrder(ORDER_SAGA, []))).toEqual([]);
    expect(names(compensationOrder(ORDER_SAGA, [], 'payment'))).toEqual(['payment']);
    expect(names(compensationOrder(ORDER_SAGA, ['payment']))).toEqual(['payment']);
    expect(names(compensationOrder(ORDER_SAGA, ['payment'], 'inventory'))).toEqual([
      'inventory',
      'payment',
    ]);
    expect(names(compensationOrder(ORDER_SAGA, ['payment', 'inventory']))).toEqual([
      'inventory',
      'payment',
    ]);
  });
});

describe('step statuses', () => {
  it('move only up their rank: every allowed and forbidden pair', () => {
    for (const from of STEP_STATUSES) {
      for (const to of STEP_STATUSES) {
        expect(canMove(from, to), `${from} -> ${to}`).toBe(
          STEP_STATUS_RANK[to] > STEP_STATUS_RANK[from],
        );
      }
    }
    // The ones the timeline relies on, spelled out.
    expect(canMove('SUCCEEDED', 'COMPENSATED')).toBe(true);
    expect(canMove('FAILED', 'SUCCEEDED')).toBe(true); // an operator's retry of a compensation
    expect(canMove('SKIPPED', 'SUCCEEDED')).toBe(true); // a participant that acted after all
    expect(canMove('COMPENSATED', 'SUCCEEDED')).toBe(false);
    expect(canMove('SUCCEEDED', 'IN_PROGRESS')).toBe(false);
  });
});

describe('what each fact does to the timeline', () => {
  const at = (entries: Record<string, StepStatus>): Map<string, StepStatus> =>
    new Map(Object.entries(entries));
  const apply = (
    fact: Parameters<typeof stepUpdates>[1],
    now: Record<string, StepStatus>,
    active = true,
  ) =>
    Object.fromEntries(
      stepUpdates(ORDER_SAGA, fact, at(now), active).map((u) => [u.name, u.status]),
    );

  it('walks the happy path', () => {
    expect(apply('PaymentInitiated', {})).toEqual({ payment: 'IN_PROGRESS' });
    expect(apply('PaymentConfirmed', { payment: 'IN_PROGRESS' })).toEqual({
      payment: 'SUCCEEDED',
      inventory: 'IN_PROGRESS',
    });
    expect(apply('InventoryReserved', { payment: 'SUCCEEDED', inventory: 'IN_PROGRESS' })).toEqual({
      inventory: 'SUCCEEDED',
    });
  });

  it('skips what a failure makes moot and undoes what was done', () => {
    expect(apply('PaymentFailed', { payment: 'IN_PROGRESS' })).toEqual({
      payment: 'FAILED',
      inventory: 'SKIPPED',
    });
    expect(apply('InventoryFailed', { payment: 'SUCCEEDED', inventory: 'IN_PROGRESS' })).toEqual({
      inventory: 'FAILED',
      refund: 'IN_PROGRESS',
    });
    expect(apply('PaymentRefunded', { payment: 'SUCCEEDED', refund: 'IN_PROGRESS' })).toEqual({
      refund: 'SUCCEEDED',
      payment: 'COMPENSATED',
    });
    expect(apply('PaymentRefundFailed', { payment: 'SUCCEEDED', refund: 'IN_PROGRESS' })).toEqual({
      refund: 'FAILED',
    });
  });

  it('on a deadline, undoes what succeeded and skips what never started', () => {
    expect(
      apply('OrderDeadlineExceeded', { payment: 'SUCCEEDED', inventory: 'IN_PROGRESS' }),
    ).toEqual({
      refund: 'IN_PROGRESS',
    });
    expect(apply('OrderDeadlineExceeded', { payment: 'IN_PROGRESS' })).toEqual({
      inventory: 'SKIPPED',
    });
  });

  it('records a late success without starting the next step, and never rewinds', () => {
    expect(
      apply('PaymentConfirmed', { payment: 'IN_PROGRESS', inventory: 'SKIPPED' }, false),
    ).toEqual({
      payment: 'SUCCEEDED',
    });
    expect(apply('PaymentConfirmed', { payment: 'COMPENSATED' })).toEqual({
      inventory: 'IN_PROGRESS',
    });
    expect(apply('PaymentInitiated', { payment: 'SUCCEEDED' })).toEqual({});
    expect(apply('OrderFulfilled', {})).toEqual({});
  });
});

describe('the saga at a glance', () => {
  it('shows done, running, remaining and compensated steps', () => {
    const view = (entries: Record<string, StepStatus>) =>
      summarize(ORDER_SAGA, new Map(Object.entries(entries)));
    expect(view({})).toMatchObject({ done: [], running: [], remaining: ['payment', 'inventory'] });
    expect(view({ payment: 'SUCCEEDED', inventory: 'IN_PROGRESS' })).toMatchObject({
      done: ['payment'],
      running: ['inventory'],
      remaining: [],
    });
    expect(
      view({ payment: 'SUCCEEDED', inventory: 'FAILED', refund: 'IN_PROGRESS' }),
    ).toMatchObject({ done: [], failed: ['inventory'], compensating: ['payment'] });
    expect(
      view({ payment: 'COMPENSATED', inventory: 'SKIPPED', refund: 'SUCCEEDED' }),
    ).toMatchObject({ done: [], remaining: [], compensated: ['payment'] });
    expect(view({ payment: 'SUCCEEDED', inventory: 'FAILED', refund: 'FAILED' })).toMatchObject({
      done: [],
      compensationFailed: ['payment'],
    });
  });
});

describe('deadlines', () => {
  const bounds = ORDER_SAGA.deadline;

  it("takes the order's own deadline within bounds, else the deployment's", () => {
    expect(chooseDeadline(bounds, 300_000)).toEqual({ ok: true, deadlineMs: 300_000 });
    expect(chooseDeadline(bounds, 300_000, 5_000)).toEqual({ ok: true, deadlineMs: 5_000 });
    expect(chooseDeadline(bounds, 300_000, bounds.minMs)).toEqual({ ok: true, deadlineMs: 1_000 });
    expect(chooseDeadline(bounds, 300_000, bounds.maxMs).ok).toBe(true);
  });

  it('refuses deadlines outside the bounds, naming them', () => {
    expect(chooseDeadline(bounds, 300_000, 999)).toEqual({
      ok: false,
      message: 'must be between 1 and 86400 seconds',
    });
    expect(chooseDeadline(bounds, 300_000, bounds.maxMs + 1).ok).toBe(false);
    expect(chooseDeadline(bounds, 300_000, 1.5).ok).toBe(false);
  });
});
