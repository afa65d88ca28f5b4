import { join, relative, resolve } from 'node:path';

/** Repository root, whatever the current directory (npm runs scripts from the root anyway). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** All runtime state (data, logs, pid files, resolved jars). Git-ignored; `rm -rf .stack` resets it. */
export const STACK_DIR = join(REPO_ROOT, '.stack');

/** Paths in messages are shown relative to the repo root: shorter and copy-pastable from there. */
export function shown(path: string): string {
  return relative(process.cwd(), path) || '.';
}
