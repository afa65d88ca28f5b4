import { describe, expect, it } from 'vitest';
import { CommandError, parseCommand, parseDuration, parseShare } from './commands.ts';

describe('npm run provider grammar', () => {
  it('reads durations and shares the way people type them', () => {
    expect([
      parseDuration('200', 'x'),
      parseDuration('200ms', 'x'),
      parseDuration('2s', 'x'),
    ]).toEqual([200, 200, 2000]);
    expect([parseShare('5%', 'x'), parseShare('5', 'x'), parseShare('0.5%', 'x')]).toEqual([
      0.05, 0.05, 0.005,
    ]);
    for (const bad of ['', 'fast', '-1', '2m'])
      expect(() => parseDuration(bad, 'x')).toThrow(CommandError);
    for (const bad of ['', '101%', 'half'])
      expect(() => parseShare(bad, 'x')).toThrow(CommandError);
  });

  it('turns each command into the knobs it changes', () => {
    expect(parseCommand([])).toEqual({ kind: 'status' });
    expect(parseCommand(['outage', 'on'])).toEqual({ kind: 'change', patch: { outage: true } });
    expect(parseCommand(['latency', '200ms'])).toEqual({
      kind: 'change',
      patch: { latency: { baseMs: 200, jitterMs: 0, tailRate: 0, tailMs: 0 } },
    });
    expect(parseCommand(['latency', '40ms', 'tail', '1%', '800ms', 'jitter', '20ms'])).toEqual({
      kind: 'change',
      patch: { latency: { baseMs: 40, jitterMs: 20, tailRate: 0.01, tailMs: 800 } },
    });
    expect(parseCommand(['errors', '5%'])).toEqual({
      kind: 'change',
      patch: { errorRate: 0.05, errorMix: { serverError: 1, timeout: 1, reset: 1 } },
    });
    expect(parseCommand(['errors', '10%', 'timeout', 'reset'])).toEqual({
      kind: 'change',
      patch: { errorRate: 0.1, errorMix: { serverError: 0, timeout: 1, reset: 1 } },
    });
    expect(parseCommand(['errors', 'off'])).toEqual({ kind: 'change', patch: { errorRate: 0 } });
    expect(parseCommand(['slow', 'off'])).toEqual({ kind: 'change', patch: { slowdownMs: 0 } });
    expect(parseCommand(['async', 'on', 'duplicates', '50%'])).toEqual({
      kind: 'change',
      patch: { async: { enabled: true, duplicateRate: 0.5 } },
    });
    expect(parseCommand(['ledger', 'abc'])).toEqual({ kind: 'ledger', reference: 'abc' });
  });

  it('names what is wrong with a command', () => {
    expect(() => parseCommand(['outage', 'maybe'])).toThrow(/outage: expected on or off/);
    expect(() => parseCommand(['errors', '5%', 'gremlins'])).toThrow(/unknown kind "gremlins"/);
    expect(() => parseCommand(['latency', '5ms', 'jitter', '1ms', 'jitter', '2ms'])).toThrow(
      /given twice/,
    );
    expect(() => parseCommand(['async', 'on', 'sometimes', '1'])).toThrow(
      /unknown option "sometimes"/,
    );
    expect(() => parseCommand(['refund', 'everything'])).toThrow(/unknown command "refund"/);
  });
});
