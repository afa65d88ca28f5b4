// The cluster scripts in k8s/, checked offline: their commands under DRY_RUN=1, and cluster-up.sh
// run against stand-in docker, kind, kubectl, helm and curl (support/fake-cluster-tools).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { render, repoRoot } from './support/helm.ts';
import { releases, type Release } from './support/operators.ts';

function script(
  name: string,
  args: string[] = [],
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync('bash', [join(repoRoot, 'k8s', name), ...args], {
    encoding: 'utf8',
    env: { ...process.env, DRY_RUN: '1' },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('k8s scripts (DRY_RUN=1)', () => {
  it('pass shell syntax checks', () => {
    for (const file of readdirSync(join(repoRoot, 'k8s')).filter((f) => f.endsWith('.sh'))) {
      expect(spawnSync('bash', ['-n', join(repoRoot, 'k8s', file)]).status, file).toBe(0);
    }
    expect(spawnSync('sh', ['-n', join(repoRoot, 'tilt', 'dev-entrypoint.sh')]).status).toBe(0);
  });

  it('cluster-up creates the registry and the cluster, then installs every operator in order, pinned', () => {
    const { status, stdout, stderr } = script('cluster-up.sh');
    expect(status, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^\+ docker run .* --name kind-registry docker\.io\/library\/registry:3\.\d+\.\d+$/,
    );
    expect(stdout).toContain(
      `+ kind create cluster --config ${join(repoRoot, 'kind-config.yaml')}`,
    );
    const installs = lines.filter((l) => l.startsWith('+ helm upgrade --install'));
    expect(installs.map((l) => l.split(' ')[4])).toEqual(releases.map((r) => r.name));
    installs.forEach((line, i) => {
      const release = releases[i] as Release;
      expect(line).toContain(`--version ${release.version}`);
      expect(line).toContain(`--values ${join(repoRoot, release.values)}`);
      expect(line).toContain(`--namespace ${release.namespace}`);
      expect(line).toContain('--kube-context kind-order-saga');
      expect(line).toContain('--wait');
    });
    expect(stdout).toContain('create namespace saga');
  });

  it("cluster-up applies each pinned chart's CRDs server-side before upgrading its release", () => {
    const { status, stdout } = script('cluster-up.sh');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    for (const release of releases) {
      const crds = lines.findIndex(
        (l) =>
          l.startsWith(
            `+ helm show crds ${release.chart} --version ${release.version} | kubectl`,
          ) && l.includes('apply --server-side --force-conflicts'),
      );
      const upgrade = lines.findIndex((l) =>
        l.startsWith(`+ helm upgrade --install ${release.name} `),
      );
      expect(crds, release.name).toBeGreaterThanOrEqual(0);
      expect(crds, `${release.name}: CRDs before the upgrade`).toBeLessThan(upgrade);
    }
  });

  it('cluster-up --crds-only applies the CRDs and installs nothing', () => {
    const { status, stdout } = script('cluster-up.sh', ['--crds-only']);
    expect(status).toBe(0);
    expect(stdout.match(/^\+ helm show crds /gm)?.length).toBe(releases.length);
    expect(stdout).not.toMatch(/helm upgrade|kind create|docker run/);
  });

  it('cluster-up --no-operators installs none', () => {
    const { status, stdout } = script('cluster-up.sh', ['--no-operators']);
    expect(status).toBe(0);
    expect(stdout).not.toContain('helm upgrade');
  });

  it('build-images builds and pushes each service workspace, tagged by content, and writes the tags for helm', () => {
    const { status, stdout } = script('build-images.sh');
    expect(status).toBe(0);
    const built = [
      ...stdout.matchAll(
        /^\+ docker build -f \S+\/services\/([a-z-]+)\/Dockerfile -t localhost:5001\/order-saga\/\1:(\S+) /gm,
      ),
    ];
    const workspaces = readdirSync(join(repoRoot, 'services')).filter((s) =>
      existsSync(join(repoRoot, 'services', s, 'package.json')),
    );
    expect(built.map((m) => m[1]).sort()).toEqual(workspaces.sort());
    const head = spawnSync('git', ['-C', repoRoot, 'rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
    }).stdout.trim();
    for (const match of built) {
      expect(match[2]).toMatch(new RegExp(`^${head}(-dirty\\.[0-9a-f]{12})?$`));
      expect(stdout).toContain(`+ docker push localhost:5001/order-saga/${match[1]}:${match[2]}`);
    }
    // The values file it would write deploys exactly those images.
    const written = stdout.slice(stdout.indexOf('+ write '));
    expect(written.split('\n')[0]).toBe(
      `+ write ${join(repoRoot, 'k8s', 'generated', 'images.yaml')}`,
    );
    const file = join('.tools', `images-${process.pid}.yaml`);
    writeFileSync(join(repoRoot, file), written.split('\n').slice(1).join('\n'));
    const objects = render({ values: ['k8s/values/order-saga-kind.yaml', file] });
    const images = objects
      .filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'order-saga-redis')
      .map(
        (o) =>
          (o.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
            .containers[0]?.image,
      );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images)
      expect(built.map((m) => `localhost:5001/order-saga/${m[1]}:${m[2]}`)).toContain(image);
    rmSync(join(repoRoot, file), { force: true });
  });

  it('content_tag: the commit when the work tree matches it, a stable content hash when not', () => {
    const repo = mkdtempSync(join(tmpdir(), 'content-tag-'));
    const git = (...args: string[]): string =>
      spawnSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        encoding: 'utf8',
      }).stdout.trim();
    const tag = (): string =>
      spawnSync(
        'bash',
        ['-c', `source ${join(repoRoot, 'k8s', 'lib.sh')} && content_tag "$1"`, '_', repo],
        {
          encoding: 'utf8',
        },
      ).stdout.trim();
    try {
      git('init', '-q');
      writeFileSync(join(repo, '.gitignore'), 'dist/\n');
      writeFileSync(join(repo, 'a.ts'), 'one\n');
      git('add', '-A');
      git('commit', '-qm', 'c1');
      const commit = git('rev-parse', '--short=12', 'HEAD');
      expect(tag()).toBe(commit);
      mkdirSync(join(repo, 'dist'));
      writeFileSync(join(repo, 'dist', 'a.js'), 'ignored\n');
      expect(tag(), 'ignored files do not count').toBe(commit);
      writeFileSync(join(repo, 'a.ts'), 'two\n');
      const dirty = tag();
      expect(dirty).toMatch(new RegExp(`^${commit}-dirty\\.[0-9a-f]{12}$`));
      expect(tag(), 'same edits, same tag').toBe(dirty);
      writeFileSync(join(repo, 'b.ts'), 'new file\n');
      expect(tag(), 'an untracked file changes it').not.toBe(dirty);
      rmSync(join(repo, 'b.ts'));
      expect(tag()).toBe(dirty);
      writeFileSync(join(repo, 'a.ts'), 'one\n');
      expect(tag(), 'back to the commit').toBe(commit);
      expect(git('status', '--porcelain'), 'HEAD and the index are untouched').toBe('');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('cluster-down deletes the cluster and the registry', () => {
    const { status, stdout } = script('cluster-down.sh');
    expect(status).toBe(0);
    expect(stdout).toContain('+ kind delete cluster --name order-saga');
    expect(stdout).toContain('+ docker rm -f kind-registry');
  });
});

describe('k8s/cluster-up.sh against stand-in docker, kind, kubectl, helm and curl', () => {
  const fakes = join(repoRoot, 'test', 'chart', 'support', 'fake-cluster-tools');
  let state: string;
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  const clusterUp = (...args: string[]): { status: number; calls: string[]; stderr: string } => {
    const log = join(state, 'calls.log');
    rmSync(log, { force: true });
    const result = spawnSync('bash', [join(repoRoot, 'k8s', 'cluster-up.sh'), ...args], {
      encoding: 'utf8',
      env: {
        PATH: `${fakes}:${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
        FAKE_STATE: state,
        HOME: state,
      },
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { status: result.status ?? -1, calls, stderr: result.stderr };
  };

  it('creates everything once, and a re-run creates nothing but upgrades the releases and their CRDs', () => {
    state = mkdtempSync(join(tmpdir(), 'cluster-up-'));
    const first = clusterUp();
    expect(first.status, first.stderr).toBe(0);
    for (const created of [
      /^docker run -d .*--name kind-registry /,
      /^kind create cluster --config \S+kind-config\.yaml --wait 120s$/,
      /^docker network connect kind kind-registry$/,
      /^kubectl --context kind-order-saga create namespace saga$/,
    ])
      expect(
        first.calls.filter((c) => created.test(c)),
        String(created),
      ).toHaveLength(1);

    const second = clusterUp();
    expect(second.status, second.stderr).toBe(0);
    expect(
      second.calls.filter((c) =>
        /^(docker run|docker start|kind create|docker network connect|kubectl .* create namespace)/.test(
          c,
        ),
      ),
    ).toEqual([]);
    expect(second.calls.filter((c) => c.startsWith('helm upgrade --install'))).toHaveLength(
      releases.length,
    );
    // The registry wiring is re-applied (a recreated node would lack it).
    expect(
      second.calls.some((c) => c.includes('/etc/containerd/certs.d/localhost:5001/hosts.toml')),
    ).toBe(true);
    // The charts with a crds/ directory (stand-ins: Strimzi, kube-prometheus-stack) get theirs applied
    // server-side and waited for; the others are left to helm.
    const applies = second.calls.filter((c) => / apply --server-side --force-conflicts /.test(c));
    expect(applies).toHaveLength(2);
    expect(second.calls.filter((c) => c.includes(' wait --for=condition=Established '))).toEqual([
      expect.stringContaining(
        'customresourcedefinition.apiextensions.k8s.io/podmonitors.monitoring.coreos.com',
      ),
      expect.stringContaining(
        'customresourcedefinition.apiextensions.k8s.io/kafkas.kafka.strimzi.io',
      ),
    ]);
    expect(second.stderr).toContain('already running');
    expect(second.stderr).toContain('already exists');
  });

  it('starts a stopped registry instead of creating a second one', () => {
    state = mkdtempSync(join(tmpdir(), 'cluster-up-'));
    expect(clusterUp('--no-operators').status).toBe(0);
    writeFileSync(join(state, 'registry'), 'false');
    const run = clusterUp('--no-operators');
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toContain('docker start kind-registry');
    expect(run.calls.some((c) => c.startsWith('docker run'))).toBe(false);
  });

  it('fails, naming what it waited for, when the registry never answers', () => {
    state = mkdtempSync(join(tmpdir(), 'cluster-up-'));
    expect(clusterUp('--no-operators').status).toBe(0);
    // Running according to docker, but curl cannot reach it.
    writeFileSync(join(state, 'registry'), 'true\n');
    const curlFails = join(state, 'bin');
    mkdirSync(curlFails);
    writeFileSync(join(curlFails, 'curl'), '#!/bin/sh\nexit 7\n', { mode: 0o755 });
    const result = spawnSync('bash', [join(repoRoot, 'k8s', 'cluster-up.sh'), '--no-operators'], {
      encoding: 'utf8',
      env: {
        PATH: `${curlFails}:${fakes}:${join(process.execPath, '..')}:${process.env.PATH ?? ''}`,
        FAKE_STATE: state,
        HOME: state,
        REGISTRY_WAIT_SECONDS: '2',
      },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      /timed out after \d+s waiting for: curl -fsS -o \/dev\/null http:\/\/localhost:5001\/v2\//,
    );
  }, 20_000);
});
