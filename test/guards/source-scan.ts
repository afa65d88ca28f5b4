import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const repoRoot = join(import.meta.dirname, '../..');

/** Production TypeScript sources (no specs, no build output) under the given repository folders. */
export function sources(...folders: string[]): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
        files.push({ path: relative(repoRoot, full), text: readFileSync(full, 'utf8') });
    }
  };
  for (const folder of folders) walk(join(repoRoot, folder));
  return files;
}

/** Every distinct first capture group of `pattern` across `files`. */
export function captures(files: { text: string }[], pattern: RegExp): Set<string> {
  const found = new Set<string>();
  for (const { text } of files)
    for (const match of text.matchAll(pattern)) found.add(match[1] ?? '');
  return found;
}
