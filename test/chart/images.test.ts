// What can be checked of the Dockerfiles and the Tiltfile without a Docker engine: every path
// they copy exists and reaches the build context, every chart service has an image build, the
// images are pinned, non-root and free of dev tooling, and the Tiltfile agrees with the chart.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SAGA_TOPICS } from '@order-saga/contracts';
import { chartDir, render, repoRoot } from './support/helm.ts';

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(file: string): Instruction[] {
  const result: Instruction[] = [];
  let buffer = '';
  let start = 0;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim();
      if (buffer === '' && (line === '' || line.startsWith('#'))) return;
      if (buffer === '') start = index + 1;
      if (line.startsWith('#')) return;
      buffer += (buffer ? ' ' : '') + line.replace(/\\$/, '').trim();
      if (!line.endsWith('\\')) {
        const match = /^(\S+)\s*(.*)$/.exec(buffer);
        if (match?.[1])
          result.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '', line: start });
        buffer = '';
      }
    });
  return result;
}

interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

interface ParsedDockerfile {
  globalArgs: Record<string, string>;
  stages: Stage[];
  all: Instruction[];
}

function parseDockerfile(file: string): ParsedDockerfile {
  const all = instructions(file);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      stages.push({
        from: match?.[1] ?? '',
        name: match?.[2] ?? String(stages.length),
        instructions: [],
      });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key, value] = instruction.args.split('=');
      if (key) globalArgs[key] = value ?? '';
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages, all };
}

interface CopySpec {
  from?: string;
  sources: string[];
  line: number;
}

function copies(stage: Stage, args: Record<string, string>): CopySpec[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words
        .filter((w) => !w.startsWith('--'))
        .map((w) =>
          w.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? `<unset ${name}>`),
        );
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { ...(from ? { from } : {}), sources: paths.slice(0, -1), line: i.line };
    });
}

/** Minimal .dockerignore semantics (patterns relative to the context, `**`, `*`, `!`). */
function dockerignore(file: string): (path: string) => boolean {
  const rules = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((pattern) => {
      const negate = pattern.startsWith('!');
      const body = (negate ? pattern.slice(1) : pattern).replace(/^\//, '').replace(/\/$/, '');
      const regex = body
        .split('/')
        .map((part) =>
          part === '**'
            ? '.*'
            : part
                .replace(/[.+^$()|[\]{}]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${regex}(?:/.*)?$`) };
    });
  return (path: string) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(path)) excluded = !rule.negate;
    return excluded;
  };
}

const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
  services: Record<string, { image: { repository: string }; modes: string[] }>;
};
const chartServices = Object.keys(values.services);
const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const prodDockerfile = (service: string): string =>
  join(repoRoot, 'services', service, 'Dockerfile');
const devDockerfile = join(repoRoot, 'tilt', 'Dockerfile.dev');
const tiltfile = readFileSync(join(repoRoot, 'Tiltfile'), 'utf8');

describe('service Dockerfiles', () => {
  it('exist for every service of the chart, and only for those', () => {
    const withDockerfile = readdirSync(join(repoRoot, 'services')).filter((dir) =>
      existsSync(prodDockerfile(dir)),
    );
    expect(withDockerfile.sort()).toEqual([...chartServices].sort());
  });

  it('are one file with a different SERVICE (no drift between services)', () => {
    const normalized = chartServices.map((service) =>
      readFileSync(prodDockerfile(service), 'utf8').replaceAll(service, '<service>'),
    );
    for (const text of normalized) expect(text).toBe(normalized[0]);
  });

  describe.each(chartServices)('%s', (service) => {
    const dockerfile = parseDockerfile(prodDockerfile(service));
    const args = { ...dockerfile.globalArgs };
    const ignored = dockerignore(join(repoRoot, '.dockerignore'));

    it('builds its own workspace', () => {
      expect(args.SERVICE).toBe(service);
      const packageFile = join(repoRoot, 'services', service, 'package.json');
      const manifest = JSON.parse(readFileSync(packageFile, 'utf8')) as {
        name: string;
        main?: string;
      };
      expect(manifest.name).toBe(`@order-saga/${service}`);
      expect(manifest.main).toBe('dist/main.js');
    });

    it('copies only paths that exist and are in the build context', () => {
      const sources = dockerfile.stages
        .flatMap((stage) => copies(stage, args))
        .filter((c) => !c.from)
        .flatMap((c) => c.sources);
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) {
        expect(existsSync(join(repoRoot, source)), `COPY ${source}`).toBe(true);
        expect(ignored(source.replace(/\/$/, '')), `${source} is excluded by .dockerignore`).toBe(
          false,
        );
      }
    });

    it('copies from earlier stages only', () => {
      const seen: string[] = [];
      for (const stage of dockerfile.stages) {
        for (const copy of copies(stage, args).filter((c) => c.from))
          expect(seen, `${stage.name}: --from=${copy.from}`).toContain(copy.from);
        seen.push(stage.name);
      }
    });

    it('starts from the pinned Node 24 image of the repository', () => {
      const image = args.NODE_IMAGE ?? '';
      const match =
        /^docker\.io\/library\/node:(\d+\.\d+\.\d+)-[a-z]+-slim@sha256:[a-f0-9]{64}$/.exec(image);
      expect(match, image).not.toBeNull();
      // The same Node as the repository's `node` devDependency, which runs the tests and the build.
      expect(match?.[1]).toBe(rootPackage.devDependencies.node);
      for (const stage of dockerfile.stages) expect(stage.from).toBe('${NODE_IMAGE}');
    });

    it('installs only the production dependencies of this workspace in what ships', () => {
      const runtime = dockerfile.stages.at(-1);
      expect(runtime?.name).toBe('runtime');
      // node_modules ship from prod-deps only; the build stage (full dev install) contributes
      // nothing but the compiled output it collected in /out.
      const shipped = copies(runtime as Stage, args);
      expect(shipped.filter((c) => c.from === 'build').flatMap((c) => c.sources)).toEqual([
        '/out/',
      ]);
      expect(shipped.some((c) => c.from === 'prod-deps')).toBe(true);
      const npmCi =
        dockerfile.stages
          .find((s) => s.name === 'prod-deps')
          ?.instructions.find((i) => i.args.includes('npm ci'))?.args ?? '';
      expect(npmCi).toContain('--omit=dev');
      expect(npmCi).toContain(`-w "@order-saga/\${SERVICE}"`);
      // The final stage neither installs nor runs npm, and removes it.
      const runtimeRuns =
        runtime?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args) ?? [];
      expect(runtimeRuns.join('\n')).not.toMatch(/npm (ci|install)/);
      expect(runtimeRuns.join('\n')).toMatch(/rm -rf .*\/usr\/local\/bin\/npm/);
    });

    it('runs as a numeric non-root user, with no HEALTHCHECK, node with the tracing bootstrap as the command', () => {
      const runtime = dockerfile.stages.at(-1) as Stage;
      const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args ?? '';
      expect(user).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
      expect(dockerfile.all.some((i) => i.keyword === 'HEALTHCHECK')).toBe(false);
      // The tracing bootstrap loads before the application, the same command line as `npm start`
      // and the launcher's (scripts/system/saga-system.ts).
      expect(runtime.instructions.find((i) => i.keyword === 'CMD')?.args).toBe(
        '["node", "--import", "@order-saga/observability/tracing", "dist/main.js"]',
      );
      const manifest = JSON.parse(
        readFileSync(join(repoRoot, 'services', service, 'package.json'), 'utf8'),
      ) as { scripts?: Record<string, string> };
      expect(manifest.scripts?.['start']).toBe(
        'node --import @order-saga/observability/tracing dist/main.js',
      );
      // The OpenTelemetry Operator appends to the pod's NODE_OPTIONS; an image value would be lost.
      expect(
        dockerfile.all
          .filter((i) => i.keyword === 'ENV')
          .map((i) => i.args)
          .join(' '),
      ).not.toContain('NODE_OPTIONS');
    });
  });
});

describe('runtime assets', () => {
  it('are all compiled: sources hold only .ts files, since the images ship package.json + dist/', () => {
    // A .sql migration or a JSON schema under src/ would be missing from every image; add it to
    // the Dockerfiles' /out collection (and to tilt/Dockerfile.dev.dockerignore) first.
    const roots = ['packages', 'services'].flatMap((top) =>
      readdirSync(join(repoRoot, top)).map((dir) => join(repoRoot, top, dir, 'src')),
    );
    const assets = roots
      .filter((dir) => existsSync(dir))
      .flatMap((dir) =>
        readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file)),
      )
      .filter((file) => statSync(file).isFile() && !file.endsWith('.ts'));
    expect(assets).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(join(repoRoot, '.dockerignore'));
  it('keeps host build output, dependencies and git out of the context', () => {
    for (const path of [
      'node_modules',
      'services/orders-service/node_modules/x',
      'packages/contracts/dist/index.js',
      '.git',
      'services/orders-service/tsconfig.tsbuildinfo',
    ]) {
      expect(ignored(path), path).toBe(true);
    }
    expect(ignored('packages/contracts/src/index.ts')).toBe(false);
    expect(ignored('package-lock.json')).toBe(false);
  });
});

describe('Tilt', () => {
  const dev = parseDockerfile(devDockerfile);
  const devIgnored = dockerignore(`${devDockerfile}.dockerignore`);

  it('builds every chart service of the active mode with the development Dockerfile', () => {
    // The Tiltfile derives its image builds from the chart's services map, so a new chart entry
    // gets an image build without touching the Tiltfile.
    expect(tiltfile).toMatch(/chart_values = read_yaml\(CHART \+ '\/values\.yaml'\)/);
    expect(tiltfile).toMatch(/for name, svc in chart_values\['services'\]\.items\(\):/);
    expect(tiltfile).toMatch(
      /docker_build\(\s*svc\['image'\]\['repository'\],\s*context='\.',\s*[^)]*dockerfile='tilt\/Dockerfile\.dev',\s*build_args=\{'SERVICE': name\}/s,
    );
    for (const [name, svc] of Object.entries(values.services)) {
      // Tilt substitutes images by repository; the chart renders <registry>/<repository>.
      expect(svc.image.repository).toBe(`order-saga/${name}`);
    }
    expect(parse(readFileSync(join(repoRoot, 'tilt', 'values-dev.yaml'), 'utf8'))).toMatchObject({
      image: { registry: '' },
    });
  });

  it('renders images Tilt can substitute: bare repositories, writable root filesystem, stable secrets', () => {
    const objects = render({ values: ['k8s/values/order-saga-kind.yaml', 'tilt/values-dev.yaml'] });
    const deployments = objects.filter(
      (o) =>
        o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] !== 'redis',
    );
    expect(deployments.length).toBeGreaterThan(0);
    for (const deployment of deployments) {
      const container = (
        deployment.spec as {
          template: {
            spec: {
              containers: { image: string; securityContext: { readOnlyRootFilesystem: boolean } }[];
            };
          };
        }
      ).template.spec.containers[0];
      const component = deployment.metadata.labels?.['app.kubernetes.io/component'] ?? '';
      expect(container?.image).toBe(`order-saga/${component}:0.1.0`);
      // Live update writes the synced files.
      expect(container?.securityContext.readOnlyRootFilesystem).toBe(false);
    }
    expect(
      JSON.stringify(
        render({ values: ['tilt/values-dev.yaml'] }).filter((o) => o.kind === 'Secret'),
      ),
    ).toBe(
      JSON.stringify(
        render({ values: ['tilt/values-dev.yaml'] }).filter((o) => o.kind === 'Secret'),
      ),
    );
  });

  it('uses the same pinned base image as the production images', () => {
    expect(dev.globalArgs.NODE_IMAGE).toBe(
      parseDockerfile(prodDockerfile('orders-service')).globalArgs.NODE_IMAGE,
    );
  });

  it('copies only paths that exist and that its own .dockerignore lets through', () => {
    const args = { ...dev.globalArgs, SERVICE: 'orders-service' };
    const sources = dev.stages
      .flatMap((stage) => copies(stage, args))
      .filter((c) => !c.from)
      .flatMap((c) => c.sources);
    for (const source of sources) {
      expect(existsSync(join(repoRoot, source)), `COPY ${source}`).toBe(true);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'packages/contracts/package.json',
      'packages/contracts/dist/index.js',
      'services/orders-service/dist/main.js',
      'tilt/dev-entrypoint.sh',
    ]) {
      expect(devIgnored(path), path).toBe(false);
    }
    // Source changes must not reach the context, or Tilt would rebuild instead of syncing.
    for (const path of [
      'services/orders-service/src/main.ts',
      'packages/contracts/src/index.ts',
      'node_modules/x',
      'services/orders-service/tsconfig.tsbuildinfo',
    ]) {
      expect(devIgnored(path), path).toBe(true);
    }
  });

  it('live-updates by syncing dist/ and restarting node, without a rebuild', () => {
    expect(tiltfile).toContain("sync('services/' + name, '/app/services/' + name)");
    expect(tiltfile).toContain("run('kill -HUP 1')");
    expect(tiltfile).toMatch(/fall_back_on\(/);
    expect(dev.stages.at(-1)?.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe(
      '["/bin/sh", "/usr/local/bin/dev-entrypoint"]',
    );
  });

  it('installs the operators of k8s/operators.json before the app, and waits for injection', () => {
    expect(tiltfile).toContain("read_json('k8s/operators.json')['releases']");
    expect(tiltfile).toMatch(
      /deps = \['tsc', 'kafka-topics', 'otel-instrumentation', 'otel-collector'\]/,
    );
  });

  it('groups the topics of the contract', () => {
    const topics = /^TOPICS = \[(.*)\]$/m
      .exec(tiltfile)?.[1]
      ?.split(',')
      .map((t) => t.trim().replace(/'/g, ''));
    expect(topics).toEqual([...SAGA_TOPICS]);
  });

  it('targets the kind cluster of kind-config.yaml', () => {
    const kindName = (
      parse(readFileSync(join(repoRoot, 'kind-config.yaml'), 'utf8')) as { name: string }
    ).name;
    expect(tiltfile).toContain(`allow_k8s_contexts('kind-${kindName}')`);
  });

  it('references only files that exist', () => {
    const paths = [
      ...tiltfile.matchAll(/'((?:k8s|tilt|charts|services|packages)\/[^'%]+|[a-z-]+\.ya?ml)'/g),
    ].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths.filter((p) => !p.endsWith('/'))) {
      expect(existsSync(join(repoRoot, path)), path).toBe(true);
    }
  });
});
