import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profiles, render, repoRoot } from './support/helm.ts';
import { allContainers, environment, podTemplates } from './support/objects.ts';

// Drift guard: every environment variable the chart sets on a service is read by some
// service's typed config (or, as documented below, by something else that really reads it).
// A variable with nothing behind it is a defect; what another issue is building right now is
// PENDING, with its owner, and building it empties the entry (a stale entry fails too).

const SERVICES = readdirSync(join(repoRoot, 'services'));

/** Keys of every config schema: each service's src/config.ts and the shared shapes. */
function configKeys(): Set<string> {
  const files = [
    join(repoRoot, 'packages/service-runtime/src/config.ts'),
    ...SERVICES.map((s) => join(repoRoot, 'services', s, 'src/config.ts')),
  ];
  const keys = new Set<string>();
  for (const file of files)
    for (const match of readFileSync(file, 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm))
      keys.add(match[1] ?? '');
  return keys;
}

/** Whether some workspace depends on the OpenTelemetry Node SDK, which reads the OTEL_* variables itself. */
function otelSdkInstalled(): boolean {
  const manifests = ['packages', 'services'].flatMap((top) =>
    readdirSync(join(repoRoot, top)).map((name) => join(repoRoot, top, name, 'package.json')),
  );
  return manifests.some((file) => {
    try {
      return readFileSync(file, 'utf8').includes('"@opentelemetry/sdk-node"');
    } catch {
      return false;
    }
  });
}

const PENDING: Record<string, string> = {};

describe('every variable the chart sets on a service is read', () => {
  const read = configKeys();
  const otel = otelSdkInstalled();

  it.each(profiles())('profile $name', ({ values }) => {
    const objects = render({ values });
    const unread = new Set<string>();
    for (const pod of podTemplates(objects)) {
      if (!SERVICES.includes(pod.labels['app.kubernetes.io/component'] ?? '')) continue;
      for (const container of allContainers(pod.spec)) {
        const env = environment(container, objects);
        // $(NAME) in another variable's value: Kubernetes itself reads NAME (DB_USER in DATABASE_URL).
        const interpolated = new Set(
          [...env.values()].flatMap((v) =>
            [...(v.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]),
          ),
        );
        for (const name of env.keys()) {
          if (read.has(name) || interpolated.has(name)) continue;
          if (name.startsWith('OTEL_') && otel) continue;
          unread.add(name.startsWith('OTEL_') ? 'OTEL_*' : name);
        }
      }
    }
    const unexpected = [...unread].filter((name) => PENDING[name] === undefined);
    expect(unexpected, 'set by the chart, read by no service').toEqual([]);
  });

  it('carries no stale pending entry', () => {
    const stale = Object.keys(PENDING).filter((name) =>
      name === 'OTEL_*' ? otel : read.has(name),
    );
    expect(stale, 'read now: remove from PENDING').toEqual([]);
  });
});
