import { describe, expect, it } from 'vitest';
import { EDGES_ONLY, ReadinessDebouncer } from './readiness-debouncer';

const up = (reason = 'HTTP 200') => ({ ready: true, reason });
const down = (reason = 'HTTP 503') => ({ ready: false, reason });

describe('ReadinessDebouncer', () => {
  it('reports the first observation as it is, ready or not', () => {
    expect(new ReadinessDebouncer(EDGES_ONLY).observe(down())).toEqual(down());
    const strict = new ReadinessDebouncer({ failureThreshold: 3, successThreshold: 3 });
    expect(strict.observe(down('refused'))).toEqual(down('refused'));
    expect(strict.current()).toEqual(down('refused'));
  });

  it('never reports a steady state twice, but keeps its reason current', () => {
    const debouncer = new ReadinessDebouncer(EDGES_ONLY);
    debouncer.observe(up('1 of 2 ready'));
    expect(debouncer.observe(up('2 of 2 ready'))).toBeUndefined();
    expect(debouncer.current()).toEqual(up('2 of 2 ready'));
  });

  it('flips only after `failureThreshold` failures in a row', () => {
    const debouncer = new ReadinessDebouncer({ failureThreshold: 3, successThreshold: 1 });
    debouncer.observe(up());
    expect(debouncer.observe(down())).toBeUndefined();
    expect(debouncer.observe(down())).toBeUndefined();
    expect(debouncer.observe(down('third'))).toEqual(down('third'));
    expect(debouncer.current()?.ready).toBe(false);
  });

  it('a success between failures starts the count again', () => {
    const debouncer = new ReadinessDebouncer({ failureThreshold: 2, successThreshold: 1 });
    debouncer.observe(up());
    const seen = [down(), up(), down(), up(), down()].map((o) => debouncer.observe(o));
    expect(seen).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(debouncer.current()?.ready).toBe(true);
  });

  it('recovers after `successThreshold` successes in a row', () => {
    const debouncer = new ReadinessDebouncer({ failureThreshold: 1, successThreshold: 2 });
    debouncer.observe(up());
    expect(debouncer.observe(down())).toEqual(down());
    expect(debouncer.observe(up())).toBeUndefined();
    expect(debouncer.observe(down())).toBeUndefined();
    expect(debouncer.observe(up())).toBeUndefined();
    expect(debouncer.observe(up('back'))).toEqual(up('back'));
  });

  it('edges only: every flip is reported at once', () => {
    const debouncer = new ReadinessDebouncer(EDGES_ONLY);
    const seen = [up(), down(), down(), up(), up()].map((o) => debouncer.observe(o)?.ready);
    expect(seen).toEqual([true, false, undefined, true, undefined]);
  });

  it('refuses thresholds below one', () => {
    expect(() => new ReadinessDebouncer({ failureThreshold: 0, successThreshold: 1 })).toThrow(
      /failureThreshold/,
    );
    expect(() => new ReadinessDebouncer({ failureThreshold: 1, successThreshold: 1.5 })).toThrow(
      /successThreshold/,
    );
  });
});
