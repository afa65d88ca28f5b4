import { describe, expect, it } from 'vitest';
import { AdmissionControl } from './admission-control';

describe('AdmissionControl', () => {
  it('admits below the bound and sheds from the bound on, with the Retry-After it was given', () => {
    const gate = new AdmissionControl(3, 2);
    gate.observe(2);
    expect(gate.admit()).toEqual({ admitted: true });
    expect(gate.admit()).toEqual({ admitted: false, inFlight: 3, bound: 3, retryAfterSeconds: 2 });
  });

  it('holds a place per admitted request until the next sample, so a burst stops at the bound', () => {
    const gate = new AdmissionControl(5, 1);
    gate.observe(0);
    const burst = Array.from({ length: 8 }, () => gate.admit().admitted);
    expect(burst).toEqual([true, true, true, true, true, false, false, false]);
    // A request that then failed (validation passed, the database did not) gives its place back.
    gate.giveBack();
    expect(gate.admit().admitted).toBe(true);
    // The next sample counts the created orders itself; finished ones have dropped out.
    gate.observe(1);
    expect(gate.inFlight).toBe(1);
    expect(gate.admit().admitted).toBe(true);
  });

  it('never sheds with a bound of 0', () => {
    const gate = new AdmissionControl(0, 1);
    gate.observe(1_000_000);
    expect(gate.admit()).toEqual({ admitted: true });
  });
});
