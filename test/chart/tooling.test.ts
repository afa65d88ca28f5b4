// The cluster tooling, checked offline: pinned versions in kind-config.yaml and
// k8s/operators.json, the scripts' commands (DRY_RUN=1), the vendored CRDs, the helm extraction,
// and the two programs that run inside containers (the helm test and the Tilt entrypoint),
// executed against local stand-ins.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureTools } from '../../scripts/tools/helm.ts';
import { chartDir, render, repoRoot } from './support/helm.ts';

interface Release {
  name: string;
  namespace: string;
  chart: string;
  repo?: { name: string; url: string };
  version: string;
  values: string;
  needs: string[];
}
const releases = (
  JSON.parse(readFileSync(join(repoRoot, 'k8s', 'operators.json'), 'utf8')) as {
    releases: Release[];
  }
).releases;

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

describe('kind-config.yaml', () => {
  const config = parse(readFileSync(join(repoRoot, 'kind-config.yaml'), 'utf8')) as {
    kind: string;
    apiVersion: string;
    name: string;
    nodes: {
      image: string;
      extraPortMappings: { containerPort: number; hostPort: number; listenAddress: string }[];
    }[];
  };

  it('pins a Kubernetes 1.35/1.36 node image by digest', () => {
    expect(config).toMatchObject({
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: 'order-saga',
    });
    for (const node of config.nodes)
      expect(node.image).toMatch(/^kindest\/node:v1\.3[56]\.\d+@sha256:[a-f0-9]{64}$/);
  });

  it('points containerd at /etc/containerd/certs.d, where cluster-up writes the registry hosts.toml', () => {
    const patches = (config as unknown as { containerdConfigPatches?: string[] })
      .containerdConfigPatches;
    expect(patches?.join('\n')).toMatch(
      /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n\s+config_path = "\/etc\/containerd\/certs\.d"$/m,
    );
    const clusterUp = readFileSync(join(repoRoot, 'k8s', 'cluster-up.sh'), 'utf8');
    expect(clusterUp).toContain('dir="/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"');
  });

  it('maps exactly the NodePorts the values files assign, on loopback', () => {
    const mapped = config.nodes.flatMap((n) => n.extraPortMappings);
    for (const mapping of mapped) {
      expect(mapping.listenAddress).toBe('127.0.0.1');
      expect(mapping.hostPort).toBe(mapping.containerPort);
    }
    const assigned = [
      readFileSync(join(repoRoot, 'k8s', 'values', 'order-saga-kind.yaml'), 'utf8'),
      readFileSync(join(repoRoot, 'k8s', 'values', 'kube-prometheus-stack.yaml'), 'utf8'),
    ].flatMap((text) => [...text.matchAll(/nodePort: (\d+)/g)].map((m) => Number(m[1])));
    expect(mapped.map((m) => m.containerPort).sort()).toEqual(assigned.sort());
  });
});

describe('k8s/operators.json', () => {
  it('has every operator the chart needs, plus a trace backend', () => {
    const charts = releases.map((r) => r.chart.split('/').at(-1));
    expect(charts).toEqual(
      expect.arrayContaining([
        'cert-manager',
        'strimzi-kafka-operator',
        'cloudnative-pg',
        'opentelemetry-operator',
        'kube-prometheus-stack',
        'jaeger',
      ]),
    );
    // kube-prometheus-stack selects monitors labelled release=<its release name>: the chart's
    // default monitoring.labels must name this release.
    const chartValues = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
      monitoring: { labels: Record<string, string> };
    };
    const kps = releases.find((r) => r.chart.endsWith('/kube-prometheus-stack'));
    expect(chartValues.monitoring.labels.release).toBe(kps?.name);
  });

  it.each(releases.map((r) => [r.name, r] as const))(
    '%s: pinned version, existing values file, a chart source',
    (_name, release) => {
      expect(release.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(existsSync(join(repoRoot, release.values))).toBe(true);
      expect(parse(readFileSync(join(repoRoot, release.values), 'utf8'))).toBeTypeOf('object');
      if (release.chart.startsWith('oci://')) expect(release.repo).toBeUndefined();
      else expect(release.chart.split('/')[0]).toBe(release.repo?.name);
    },
  );

  it('lists dependencies before their dependents', () => {
    releases.forEach((release, index) => {
      for (const need of release.needs) {
        const at = releases.findIndex((r) => r.name === need);
        expect(at, `${release.name} needs ${need}`).toBeGreaterThanOrEqual(0);
        expect(at).toBeLessThan(index);
      }
    });
  });

  it('pins the operator versions whose CRDs the chart is validated against', () => {
    const version = (name: string): string | undefined =>
      releases.find((r) => r.name === name)?.version;
    const crdReadme = readFileSync(join(repoRoot, 'k8s', 'crds', 'README.md'), 'utf8');
    expect(crdReadme).toContain(`Strimzi ${version('strimzi') ?? '?'}`);
    // chart 0.29.0 ships operator 1.30.0, chart 0.122.0 operator 0.158.0.
    expect(version('cloudnative-pg')).toBe('0.29.0');
    expect(crdReadme).toContain('CloudNativePG 1.30.0');
    expect(version('opentelemetry-operator')).toBe('0.122.0');
    expect(crdReadme).toContain('OpenTelemetry Operator 0.158.0');
  });
});

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

describe('vendored CRDs (k8s/crds)', () => {
  // Byte-for-byte copies; a formatter or an edit must not change them silently.
  const SHA256: Record<string, string> = {
    'cloudnative-pg/cluster.yaml':
      'ae47f4a00f6e998faef57e480f9a3960cd48ea16a79270861fc7442601507472',
    'cloudnative-pg/database.yaml':
      '53f7dfca6d23eb70246f41f1e7db596f8782341cd4fffb6ad990107cc8a588e7',
    'cloudnative-pg/pooler.yaml':
      '9e0dad05355f72dceb154a12b43ebe8a410d470133ad228bf711c1fdee221124',
    'opentelemetry-operator/instrumentation.yaml':
      '946e6761b41f7ecf7d37bdc105692cf65b37cbeb1bbc6c5544e1a0d091125867',
    'opentelemetry-operator/opentelemetrycollector.yaml':
      '8163dfbd369f5d1fc8128dcf9d85d9592a3ac34cfacd324b88742a5baa96dabf',
    'prometheus-operator/podmonitor.yaml':
      '45a93443daa687d3654f7e9631909ff7edcdf3ec09c5e60251b74aa2722aee5d',
    'prometheus-operator/prometheusrule.yaml':
      '78be98554b9c8506ab2b4f4feb91c5f3a56e536a0a510f3a8e876a459970d56d',
    'prometheus-operator/servicemonitor.yaml':
      'a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32',
    'strimzi/kafka.yaml': 'b5b27fc8d52068a77cde7c40d47c068023c7b4e92fc266c45200db2d2506392a',
    'strimzi/kafkanodepool.yaml':
      '411c1b32ef8c1a6408ac9d4fe791115a6ce2b41107204588f976a3ed19be2430',
    'strimzi/kafkatopic.yaml': '36390f0731c699448076d4ee739e8b7f331d083e91a7fb71500aaa830ab1127e',
    'strimzi/kafkauser.yaml': 'c7e91b9b027a516b43dc7d369e781ee23a6ea177ae15fe0c33af6f722e26e05f',
  };
  const crdDir = join(repoRoot, 'k8s', 'crds');

  it('are the pinned upstream files, unchanged', () => {
    const files = readdirSync(crdDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(files).toEqual(Object.keys(SHA256).sort());
    for (const file of files) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(crdDir, file)))
          .digest('hex'),
        file,
      ).toBe(SHA256[file]);
    }
  });
});

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

// ---------------------------------------------------------------------------------------------
// Programs that run inside containers, exercised with local stand-ins.
// ---------------------------------------------------------------------------------------------
let server: Server | undefined;
let scratch: string | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** Runs the helm test script the way the test Pod does: node --input-type=module --eval. */
function runPlaceOrder(
  url: string,
  timeoutSeconds: number,
): Promise<{ code: number | null; output: string }> {
  const code = readFileSync(join(chartDir, 'files', 'helm-test', 'place-order.mjs'), 'utf8');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', code], {
      env: { ...process.env, ORDERS_URL: url, TIMEOUT_SECONDS: String(timeoutSeconds) },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (exitCode) => resolve({ code: exitCode, output }));
  });
}

/** A stand-in orders API whose order goes through `statuses`, one per GET. */
async function fakeOrdersApi(statuses: string[]): Promise<{
  url: string;
  requests: { method: string; body: string; headers: Record<string, unknown> }[];
}> {
  const requests: { method: string; body: string; headers: Record<string, unknown> }[] = [];
  let gets = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: `${req.method ?? ''} ${req.url ?? ''}`, body, headers: req.headers });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && req.url === '/orders') {
        res.statusCode = 201;
        res.end(JSON.stringify({ id: 'ord-1', status: 'CREATED' }));
      } else if (req.method === 'GET' && req.url === '/orders/ord-1') {
        const status = statuses[Math.min(gets++, statuses.length - 1)];
        res.end(JSON.stringify({ id: 'ord-1', status }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

describe('helm test script (files/helm-test/place-order.mjs)', () => {
  it('posts the demo order and passes once the order is FULFILLED', async () => {
    const api = await fakeOrdersApi(['PAYMENT_PENDING', 'FULFILLED']);
    const result = await runPlaceOrder(api.url, 30);
    expect(result.output).toContain('PASS order ord-1 is FULFILLED');
    expect(result.code).toBe(0);
    const post = api.requests.find((r) => r.method === 'POST /orders');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      customerId: 'c-helm-test',
      currency: 'EUR',
      items: [{ sku: 'SKU-DEMO-1', quantity: 1, unitPrice: 1000 }],
      paymentMethod: 'pm_card_visa',
    });
    expect(post?.headers['idempotency-key']).toMatch(/^helm-test-/);
  }, 30_000);

  it('fails fast when the saga cancels the order', async () => {
    const api = await fakeOrdersApi(['CANCELLED']);
    const result = await runPlaceOrder(api.url, 30);
    expect(result.code).toBe(1);
    expect(result.output).toContain('FAIL order ord-1 ended CANCELLED');
  }, 30_000);

  it('fails when the order is not FULFILLED before the deadline', async () => {
    const api = await fakeOrdersApi(['PAYMENT_PENDING']);
    const result = await runPlaceOrder(api.url, 3);
    expect(result.code).toBe(1);
    expect(result.output).toContain('not FULFILLED in time (last status: PAYMENT_PENDING)');
  }, 30_000);
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
