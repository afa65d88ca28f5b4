// The tracing bootstrap against a real service process (payment-provider-sim: HTTP only, no
// database) started with the launcher's command line. Under an injected SDK it must stand down;
// alone it must start and export to the stack's Zipkin.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';
import { TRACING_BOOTSTRAP } from '../../scripts/system/saga-system.ts';
import { fetchTrace, traceIdsTagged } from '../../scripts/system/traces.ts';
import { waitFor } from '../../scripts/system/wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVICE_DIR = join(ROOT, 'services', 'payment-provider-sim');
const STAND_IN = join(ROOT, 'test', 'support', 'injected-sdk.ts');
const OLD_API_STAND_IN = join(ROOT, 'test', 'support', 'injected-old-api.ts');
const zipkinUrl = resolveStackEndpoints(process.env).zipkin.url;

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly log: () => string[];
}

const running: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startProvider(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', TRACING_BOOTSTRAP, 'dist/main.js'], {
    cwd: SERVICE_DIR,
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkinUrl}/api/v2/spans`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `payment-provider-sim on ${port} (output so far: ${output})`,
    async () => {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
      return (await fetch(`${url}/health/ready`)).ok ? true : undefined;
    },
    30_000,
    100,
  );
  const log = () => output.split('\n').filter((line) => line.startsWith('{'));
  return { child, url, log };
}

const events = (lines: string[]): string[] =>
  lines.map((line) => (JSON.parse(line) as { msg?: string }).msg ?? '');

afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('tracing bootstrap (node --import @order-saga/observability/tracing)', () => {
  it('stands down when an injected SDK registered first: its spans only, none from a second SDK', async () => {
    const dir = join(ROOT, '.stack', 'test-logs');
    mkdirSync(dir, { recursive: true });
    const spansFile = join(dir, `injected-spans-${randomBytes(4).toString('hex')}.jsonl`);
    const provider = await startProvider({
      // How the operator injects: its --require runs before our --import.
      NODE_OPTIONS: `--require ${STAND_IN} --disable-warning=MODULE_TYPELESS_PACKAGE_JSON`,
      INJECTED_SPANS_FILE: spansFile,
      OTEL_SERVICE_NAME: 'provider-under-injection',
    });
    expect(events(provider.log())).toContain('tracing.injected_sdk_in_use');
    expect(events(provider.log())).not.toContain('tracing.started');

    const requests = 3;
    for (let i = 0; i < requests; i++)
      expect((await fetch(`${provider.url}/v1/records?reference=r${i}`)).status).toBe(200);
    // The stand-in exports synchronously as each span ends.
    const recorded = () =>
      (existsSync(spansFile) ? readFileSync(spansFile, 'utf8').trim().split('\n') : [])
        .filter((line) => line !== '')
        .map(
          (line) =>
            JSON.parse(line) as {
              name: string;
              scope: string;
              attributes: Record<string, unknown>;
            },
        );
    const requestSpans = () =>
      recorded().filter((span) => span.attributes['url.path'] === '/v1/records');
    await waitFor('the injected SDK to record the requests', () =>
      requestSpans().length >= requests ? true : undefined,
    );
    // One server span per request, named with the route our HTTP shell reported.
    expect(requestSpans().map((span) => span.name)).toEqual(
      Array.from({ length: requests }, () => 'GET /v1/records'),
    );
    // Only the injected SDK's own instrumentation produced spans: ours (Nest, undici, pg, ...)
    // never patched the process. Had it started, each request would also have a Nest span here.
    expect([...new Set(recorded().map((span) => span.scope))]).toEqual([
      '@opentelemetry/instrumentation-http',
    ]);
  });

  it('warns, and still starts no second SDK, when the injected one is on an older API', async () => {
    const provider = await startProvider({
      NODE_OPTIONS: `--require ${OLD_API_STAND_IN} --disable-warning=MODULE_TYPELESS_PACKAGE_JSON`,
    });
    const lines = provider.log().map((line) => JSON.parse(line) as Record<string, unknown>);
    const warning = lines.find((line) => line['msg'] === 'tracing.injected_sdk_incompatible');
    expect(warning?.['injectedApiVersion']).toBe('1.3.0');
    expect(warning?.['level']).toBe('warn');
    expect(events(provider.log())).not.toContain('tracing.started');
  });

  it('starts the SDK when alone and exports the request spans to the stack Zipkin', async () => {
    const name = `provider-alone-${randomBytes(3).toString('hex')}`;
    const provider = await startProvider({ OTEL_SERVICE_NAME: name });
    expect(events(provider.log())).toContain('tracing.started');
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${provider.url}/v1/records?reference=alone`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(response.status).toBe(200);
    const spans = await waitFor('the request span in Zipkin', async () => {
      const found = await fetchTrace(zipkinUrl, traceId);
      return found.length > 0 ? found : undefined;
    });
    expect(spans.map((s) => [s.localEndpoint?.serviceName, s.kind, s.name])).toContainEqual([
      name,
      'SERVER',
      'get /v1/records',
    ]);
    // Probes are not traced: the readiness polls of startProvider left nothing behind.
    expect(await traceIdsTagged(zipkinUrl, 'url.path', '/health/ready')).toEqual([]);
  });
});
