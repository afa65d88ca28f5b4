// The repository's root. The benchmark runs scripts, services' dist/ and node_modules by absolute
// path, so that `npm run bench` works from any working directory.
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
