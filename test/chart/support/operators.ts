import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helm.ts';

/** One operator release of k8s/operators.json, the list cluster-up.sh installs in order. */
export interface Release {
  name: string;
  namespace: string;
  chart: string;
  repo?: { name: string; url: string };
  version: string;
  values: string;
  needs: string[];
}

export const releases = (
  JSON.parse(readFileSync(join(repoRoot, 'k8s', 'operators.json'), 'utf8')) as {
    releases: Release[];
  }
).releases;
