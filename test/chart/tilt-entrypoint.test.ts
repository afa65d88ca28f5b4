// Tilt's container entrypoint (tilt/dev-entrypoint.sh), run against a stand-in service.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './support/helm.ts';

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe('Tilt dev entrypoint (tilt/dev-entrypoint.sh)', () => {
  const waitFor = async (predicate: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      if (predicate()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('restarts the service on SIGHUP, exits 143 on SIGTERM and passes a crash through', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'dev-entrypoint-'));
    mkdirSync(join(scratch, 'dist'));
    const starts = join(scratch, 'starts.log');
    // A stand-in service: records each start, then idles (or crashes when told to).
    writeFileSync(
      join(scratch, 'dist', 'main.js'),
      `require('node:fs').appendFileSync(${JSON.stringify(starts)}, process.pid + '\\n');
       if (require('node:fs').existsSync(${JSON.stringify(join(scratch, 'crash'))})) process.exit(7);
       setInterval(() => {}, 1000);`,
    );
    // A stand-in tracing bootstrap, resolved the way the image resolves the real one
    // (node_modules/@order-saga/observability, export ./tracing): it must load before main.js.
    const bootstrap = join(scratch, 'node_modules', '@order-saga', 'observability');
    mkdirSync(bootstrap, { recursive: true });
    writeFileSync(
      join(bootstrap, 'package.json'),
      JSON.stringify({
        name: '@order-saga/observability',
        exports: { './tracing': './tracing.js' },
      }),
    );
    writeFileSync(
      join(bootstrap, 'tracing.js'),
      `require('node:fs').appendFileSync(${JSON.stringify(starts)}, 'bootstrap ');`,
    );
    const startLines = (): string[] =>
      existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n') : [];
    // A start is complete once main.js wrote its pid after the bootstrap's mark: a signal sent
    // before that would kill a node still loading, whose half line the next start continues.
    const startCount = (): number =>
      startLines().filter((line) => /^bootstrap \d+$/.test(line)).length;
    const env = {
      ...process.env,
      PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
    };
    const child = spawn('sh', [join(repoRoot, 'tilt', 'dev-entrypoint.sh')], { cwd: scratch, env });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );

    await waitFor(() => startCount() === 1, 'first start');
    child.kill('SIGHUP');
    await waitFor(() => startCount() === 2, 'restart after SIGHUP');
    for (const line of startLines()) expect(line).toMatch(/^bootstrap \d+$/);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);

    writeFileSync(join(scratch, 'crash'), '');
    const crashing = spawn('sh', [join(repoRoot, 'tilt', 'dev-entrypoint.sh')], {
      cwd: scratch,
      env,
    });
    expect(await new Promise((resolve) => crashing.on('exit', resolve))).toBe(7);
  }, 20_000);
});
