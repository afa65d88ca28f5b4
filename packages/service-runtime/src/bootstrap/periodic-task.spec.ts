import { describe, expect, it } from 'vitest';
import { sweepUntilShort } from './periodic-task';

describe('sweepUntilShort', () => {
  it('keeps sweeping while batches come back full, and stops at the first short one', async () => {
    const handled = [100, 100, 37, 100];
    let calls = 0;
    await sweepUntilShort({ batchSize: 100, sweep: () => Promise.resolve(handled[calls++] ?? 0) });
    expect(calls).toBe(3);
  });

  it('sweeps once when nothing is due', async () => {
    let calls = 0;
    await sweepUntilShort({ batchSize: 100, sweep: () => Promise.resolve((calls++, 0)) });
    expect(calls).toBe(1);
  });
});
