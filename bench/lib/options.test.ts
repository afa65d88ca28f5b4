import { describe, expect, it } from 'vitest';
import { runConfigs, runSettings, type BenchArgs } from './options.ts';

const args = (over: Partial<BenchArgs> = {}): BenchArgs => ({
  quick: false,
  noSteps: false,
  matrix: false,
  profile: false,
  tracing: '',
  partitions: '6',
  mode: '',
  rates: '50,100,200',
  seconds: '',
  env: [],
  label: '',
  out: 'bench/results',
  help: false,
  ...over,
});

describe('bench options', () => {
  it('defaults to choreography with tracing at its default sampling', () => {
    const settings = runSettings(args());
    expect([settings.mode, settings.tracing]).toEqual(['choreography', 'default']);
    expect(runConfigs(args(), settings).map((c) => c.name)).toEqual(['choreography, tracing on']);
  });

  it('runs the one configuration --mode and --tracing name', () => {
    const given = args({ mode: 'orchestration', tracing: 'off' });
    expect(runConfigs(given, runSettings(given)).map((c) => c.name)).toEqual([
      'orchestration, tracing off',
    ]);
  });

  it('--matrix runs all four configurations', () => {
    const given = args({ matrix: true });
    expect(runConfigs(given, runSettings(given))).toHaveLength(4);
  });

  it('refuses --matrix with --mode or --tracing, which it would ignore', () => {
    expect(() => runSettings(args({ matrix: true, mode: 'orchestration' }))).toThrow(
      /drop --mode and --tracing/,
    );
    expect(() => runSettings(args({ matrix: true, tracing: 'off' }))).toThrow(
      /drop --mode and --tracing/,
    );
  });

  it('names a bad --mode or --tracing', () => {
    expect(() => runSettings(args({ mode: 'saga' }))).toThrow(/--mode must be/);
    expect(() => runSettings(args({ tracing: 'maybe' }))).toThrow(/--tracing must be/);
  });
});
