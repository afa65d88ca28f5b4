// scripts/tools/helm.ts: helm and kubectl extracted from the npm package that ships them.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTools } from '../../scripts/tools/helm.ts';
import { repoRoot } from './support/helm.ts';

describe('scripts/tools/helm.ts', () => {
  it('extracts runnable helm and kubectl once, then leaves them alone', () => {
    const first = ensureTools();
    const before = statSync(first.helm).mtimeMs;
    const second = ensureTools();
    expect(second).toEqual(first);
    expect(statSync(second.helm).mtimeMs).toBe(before);
    expect(spawnSync(first.helm, ['version', '--short'], { encoding: 'utf8' }).stdout).toMatch(
      /^v4\./,
    );
    expect(
      spawnSync(first.kubectl, ['version', '--client'], { encoding: 'utf8' }).stdout,
    ).toContain('v1.35');
    // Never committed.
    expect(readFileSync(join(repoRoot, '.gitignore'), 'utf8')).toMatch(/^\.tools\/$/m);
  });
});
