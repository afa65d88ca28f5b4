import { describe, expect, it } from 'vitest';
import { applyTogether, groupEnd, isConflict } from './apply-together';
import { BatchRolledBack, type BatchTransaction, type BatchUnitOfWork } from './batch-unit-of-work';

/**
 * The BatchTransaction contract in memory, as the inbox keeps it: a record's `apply()` parks it
 * and returns only once the batch ended; what happened is written to `log` in order.
 */
function memoryBatches(options: { beginFails?: Error; commitFails?: Error } = {}) {
  const log: string[] = [];
  let apply: () => Promise<void> = () => Promise.reject(new Error('no record running'));
  const unitOfWork: BatchUnitOfWork = {
    begin: () => {
      if (options.beginFails !== undefined) return Promise.reject(options.beginFails);
      log.push('begin');
      let release: (error?: Error) => void = () => undefined;
      const ended = new Promise<void>((resolve, reject) => {
        release = (error) => (error === undefined ? resolve() : reject(error));
      });
      ended.catch(() => undefined);
      const tx: BatchTransaction = {
        enter: (work) => {
          let park: () => void = () => undefined;
          const parked = new Promise<void>((resolve) => (park = resolve));
          // The record's apply, as the handler about to run will call it (synchronously bound).
          apply = async () => {
            park();
            await ended;
          };
          return { parked, settled: work() };
        },
        commit: (rolledBack) => {
          if (options.commitFails !== undefined) {
            log.push('commit failed');
            release(rolledBack);
            return Promise.reject(options.commitFails);
          }
          log.push('commit');
          release();
          return Promise.resolve();
        },
        rollback: (rolledBack) => {
          log.push('rollback');
          release(rolledBack);
          return Promise.resolve();
        },
      };
      return Promise.resolve(tx);
    },
  };
  return { log, unitOfWork, apply: () => apply() };
}

/** A handler as the services write them: effects in apply, then after-commit code. */
function handler(batches: ReturnType<typeof memoryBatches>, fails?: Map<string, Error>) {
  return async (name: string): Promise<void> => {
    batches.log.push(`start ${name}`);
    const failure = fails?.get(name);
    if (failure !== undefined) throw failure;
    try {
      await batches.apply();
    } catch (error) {
      batches.log.push(`${name} ${error instanceof BatchRolledBack ? 'rolled back' : 'failed'}`);
      throw error;
    }
    batches.log.push(`after commit ${name}`);
  };
}

const goOn = () => true;

describe('applyTogether', () => {
  it('runs the records one after another in one transaction; their code after apply runs after the commit', async () => {
    const batches = memoryBatches();
    const outcome = await applyTogether(
      batches.unitOfWork,
      ['a', 'b', 'c'],
      handler(batches),
      goOn,
    );
    expect(outcome).toEqual({
      kind: 'committed',
      settled: [{ ok: true }, { ok: true }, { ok: true }],
    });
    expect(batches.log).toEqual([
      'begin',
      'start a',
      'start b',
      'start c',
      'commit',
      'after commit a',
      'after commit b',
      'after commit c',
    ]);
  });

  it('goes on to the next record when a handler settles without applying anything', async () => {
    const batches = memoryBatches();
    const run = async (name: string) => {
      if (name === 'ignored') return;
      await handler(batches)(name);
    };
    const outcome = await applyTogether(batches.unitOfWork, ['a', 'ignored', 'b'], run, goOn);
    expect(outcome.kind).toBe('committed');
    expect(batches.log).toEqual([
      'begin',
      'start a',
      'start b',
      'commit',
      'after commit a',
      'after commit b',
    ]);
  });

  it('rolls the whole batch back when a record fails: the parked ones are told, the rest never start', async () => {
    const batches = memoryBatches();
    const poison = new Error('ORDER.UNKNOWN');
    const outcome = await applyTogether(
      batches.unitOfWork,
      ['a', 'poison', 'c'],
      handler(batches, new Map([['poison', poison]])),
      goOn,
    );
    expect(outcome).toEqual({ kind: 'rolled-back', reason: 'record_failed', error: poison });
    expect(batches.log).toEqual(['begin', 'start a', 'start poison', 'rollback', 'a rolled back']);
  });

  it('calls a deadlock a conflict, read from the error or its cause', async () => {
    const batches = memoryBatches();
    const deadlock = new Error('query failed', {
      cause: Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    });
    const outcome = await applyTogether(
      batches.unitOfWork,
      ['a', 'b'],
      handler(batches, new Map([['b', deadlock]])),
      goOn,
    );
    expect(outcome).toMatchObject({ kind: 'rolled-back', reason: 'conflict' });
  });

  it('releases every parked record with the rollback when the commit fails', async () => {
    const commitFails = new Error('connection terminated');
    const batches = memoryBatches({ commitFails });
    const outcome = await applyTogether(batches.unitOfWork, ['a', 'b'], handler(batches), goOn);
    expect(outcome).toEqual({
      kind: 'rolled-back',
      reason: 'transaction_failed',
      error: commitFails,
    });
    expect(batches.log).toEqual([
      'begin',
      'start a',
      'start b',
      'commit failed',
      'a rolled back',
      'b rolled back',
    ]);
  });

  it('runs nothing when the transaction cannot begin', async () => {
    const beginFails = new Error('ECONNREFUSED');
    const batches = memoryBatches({ beginFails });
    const outcome = await applyTogether(batches.unitOfWork, ['a'], handler(batches), goOn);
    expect(outcome).toEqual({
      kind: 'rolled-back',
      reason: 'transaction_failed',
      error: beginFails,
    });
    expect(batches.log).toEqual([]);
  });

  it('abandons the batch, rolled back, when told to stop between records (partition revoked)', async () => {
    const batches = memoryBatches();
    let asked = 0;
    const outcome = await applyTogether(
      batches.unitOfWork,
      ['a', 'b', 'c'],
      handler(batches),
      () => ++asked < 2,
    );
    expect(outcome).toEqual({ kind: 'abandoned' });
    expect(batches.log).toEqual([
      'begin',
      'start a',
      'start b',
      'rollback',
      'a rolled back',
      'b rolled back',
    ]);
  });
  it('rolls back before passing on an exception from between the records, never leaving the transaction open', async () => {
    const batches = memoryBatches();
    const lost = new Error('The coordinator is not aware of this member');
    const outcome = applyTogether(batches.unitOfWork, ['a', 'b'], handler(batches), () => {
      throw lost;
    });
    await expect(outcome).rejects.toBe(lost);
    expect(batches.log).toEqual(['begin', 'start a', 'rollback', 'a rolled back']);
  });
});

describe('groupEnd', () => {
  const skipped = (m: string) => m.startsWith('skip');

  it('takes at most max records acted on, and the skipped ones between them', () => {
    const messages = ['a', 'skip1', 'b', 'c', 'skip2', 'd'];
    expect(groupEnd(messages, 0, 2, skipped)).toBe(3);
    expect(groupEnd(messages, 3, 2, skipped)).toBe(6);
    expect(groupEnd(messages, 0, 10, skipped)).toBe(6);
  });

  it('keeps skipped messages after the last record in the group', () => {
    expect(groupEnd(['a', 'skip1', 'skip2', 'b'], 0, 1, skipped)).toBe(3);
  });

  it('with max 1 takes one record at a time', () => {
    expect(groupEnd(['a', 'b'], 0, 1, skipped)).toBe(1);
  });
});

describe('isConflict', () => {
  it('knows SQLSTATE 40P01 and 40001, nothing else', () => {
    expect(isConflict(Object.assign(new Error('x'), { code: '40001' }))).toBe(true);
    expect(isConflict(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isConflict(new Error('plain'))).toBe(false);
    expect(isConflict('not an error')).toBe(false);
  });
});
