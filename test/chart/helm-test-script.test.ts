// The chart's helm test (files/helm-test/place-order.mjs), run the way its Pod runs it, against a
// stand-in orders API.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chartDir } from './support/helm.ts';

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
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
