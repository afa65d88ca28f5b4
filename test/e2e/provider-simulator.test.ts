import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { http } from '../../scripts/system/orders-api.ts';
import { startProviderAlone, type ProviderAlone } from '../../scripts/system/provider-alone.ts';

// payment-provider-sim alone, as a separate process: its knobs through the admin port and the
// CLI, and what a client sees of each. Seeded, so its fault draws repeat from run to run.
const ROOT = resolve(import.meta.dirname, '../..');
let sim: ProviderAlone | undefined;
let publicUrl: string;
let adminUrl: string;

beforeAll(async () => {
  sim = await startProviderAlone({ PROVIDER_SEED: '20261201' });
  ({ publicUrl, adminUrl } = sim);
});

afterAll(() => {
  sim?.stop();
});

beforeEach(async () => {
  expect((await http(`${adminUrl}/admin/provider/reset`, { method: 'POST' })).status).toBe(200);
});

const tune = (
  patch: Record<string, unknown>,
): Promise<{ status: number; body: { code?: string; errors?: unknown[] } }> =>
  http(`${adminUrl}/admin/provider`, { method: 'PATCH', body: JSON.stringify(patch) });

function charge(
  key: string,
  reference: string,
  paymentMethod = 'pm_card_visa',
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${publicUrl}/v1/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ reference, amount: 1200, currency: 'EUR', paymentMethod }),
    ...(signal === undefined ? {} : { signal }),
  });
}

async function ledgerOf(
  reference: string,
): Promise<{ payments: unknown[]; calls: Array<{ outcome: string }> }> {
  return (
    await http<{ payments: unknown[]; calls: Array<{ outcome: string }> }>(
      `${adminUrl}/admin/provider/ledger?reference=${reference}`,
    )
  ).body;
}

describe('the simulator admin port', () => {
  it('serves the knobs there, and nowhere on the public port', async () => {
    expect((await http(`${adminUrl}/admin/provider`)).status).toBe(200);
    const onPublic = await http<{ code: string }>(`${publicUrl}/admin/provider`);
    expect(onPublic).toMatchObject({ status: 404, body: { code: 'ROUTE.NOT_FOUND' } });
    expect(
      (await http(`${publicUrl}/admin/provider`, { method: 'PATCH', body: '{"outage":true}' }))
        .status,
    ).toBe(404);
    expect((await charge('k-public', 'ref-public')).status).toBe(201);
  });

  it('rejects bad settings with the fields named, and async mode without webhooks configured', async () => {
    const bad = await tune({ errorRate: 2, latency: { baseMs: -1 }, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('PROVIDER.KNOBS_INVALID');
    expect(JSON.stringify(bad.body.errors)).toMatch(/errorRate/);
    expect(JSON.stringify(bad.body.errors)).toMatch(/latency\.baseMs/);
    const asyncWithoutTarget = await tune({ async: { enabled: true } });
    expect(asyncWithoutTarget).toMatchObject({
      status: 409,
      body: { code: 'PROVIDER.WEBHOOKS_NOT_CONFIGURED' },
    });
  });
});

describe('the processor behaviour', () => {
  it('is down in an outage, ready again after it, and /health/ready says so', async () => {
    await tune({ outage: true });
    const down = await charge('k-outage', 'ref-outage');
    expect(down.status).toBe(503);
    expect(((await down.json()) as { code: string }).code).toBe('PROVIDER.UNAVAILABLE');
    expect((await fetch(`${publicUrl}/health/ready`)).status).toBe(503);
    await tune({ outage: false });
    expect((await fetch(`${publicUrl}/health/ready`)).status).toBe(200);
    expect((await charge('k-outage', 'ref-outage')).status).toBe(201);
    expect((await ledgerOf('ref-outage')).calls.map((c) => c.outcome)).toEqual([
      'outage',
      'approved',
    ]);
  });

  it('takes at least the latency and the slow-down', async () => {
    await tune({ latency: { baseMs: 150 }, slowdownMs: 100 });
    const started = performance.now();
    expect((await charge('k-slow', 'ref-slow')).status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('fails transiently as told: 5xx, resets and timeouts', async () => {
    await tune({ errorRate: 1, errorMix: { serverError: 1, timeout: 0, reset: 0 } });
    expect([500, 502, 503]).toContain((await charge('k-5xx', 'ref-5xx')).status);
    await tune({ errorMix: { serverError: 0, reset: 1 } });
    await expect(charge('k-reset', 'ref-reset')).rejects.toThrow();
    await tune({ errorMix: { reset: 0, timeout: 1 } });
    await expect(
      charge('k-hang', 'ref-hang', 'pm_card_visa', AbortSignal.timeout(300)),
    ).rejects.toThrow();
  });

  it('never charges twice for one idempotency key, however often the answer is lost', async () => {
    await tune({ errorRate: 0.6 });
    const statuses: string[] = [];
    for (let attempt = 0; attempt < 25; attempt += 1) {
      const answer = await charge(
        'k-retried',
        'ref-retried',
        'pm_card_visa',
        AbortSignal.timeout(200),
      ).then(
        (r) => String(r.status),
        () => 'no answer',
      );
      statuses.push(answer);
    }
    await tune({ errorRate: 0 });
    const last = await charge('k-retried', 'ref-retried');
    expect([200, 201]).toContain(last.status);
    const ledger = await ledgerOf('ref-retried');
    expect(ledger.payments).toHaveLength(1);
    // The seeded run exercised what matters: answers lost both before and after the charge.
    const outcomes = new Set(ledger.calls.map((c) => c.outcome));
    expect(outcomes).toContain('replayed');
    expect([...outcomes].some((o) => o.endsWith('-after-charge'))).toBe(true);
    expect(statuses).toContain('no answer');
  });

  it('declines by test payment method, and never refunds pm_card_refund_fails', async () => {
    const declined = (await (
      await charge('k-declined', 'ref-declined', 'pm_card_declined')
    ).json()) as { status: string; declineCode: string };
    expect(declined).toMatchObject({ status: 'declined', declineCode: 'generic_decline' });
    const paid = (await (
      await charge('k-no-refund', 'ref-no-refund', 'pm_card_refund_fails')
    ).json()) as { id: string; status: string };
    expect(paid.status).toBe('approved');
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refund = await http<{ code: string }>(`${publicUrl}/v1/payments/${paid.id}/refunds`, {
        method: 'POST',
        body: '{}',
        headers: { 'idempotency-key': 'k-no-refund:refund' },
      });
      expect(refund).toMatchObject({ status: 402, body: { code: 'REFUND.REFUSED' } });
    }
  });
});

describe('npm run provider', () => {
  const exec = promisify(execFile);
  const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    exec(
      process.execPath,
      [
        '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
        join(ROOT, 'scripts/provider/cli.ts'),
        ...args,
      ],
      {
        env: { ...process.env, PAYMENT_PROVIDER_SIM_ADMIN_URL: adminUrl },
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('turns knobs and reads them back', async () => {
    expect((await cli('outage', 'on')).stdout).toMatch(/outage\s+on/);
    expect((await fetch(`${publicUrl}/health/ready`)).status).toBe(503);
    expect((await cli('outage', 'off')).stdout).toMatch(/available\s+yes/);
    expect((await cli('latency', '40ms', 'jitter', '10ms', 'tail', '2%', '1s')).stdout).toMatch(
      /40 ms \+ up to 10 ms jitter, 2% of calls \+1000 ms/,
    );
    expect((await cli('errors', '5%', 'timeout')).stdout).toMatch(
      /errors\s+5% of calls \(timeout\)/,
    );
    const status = JSON.parse((await cli('status', '--json')).stdout) as {
      behaviour: { errorRate: number };
    };
    expect(status.behaviour.errorRate).toBe(0.05);
    await charge('k-cli', 'ref-cli');
    expect((await cli('ledger', 'ref-cli')).stdout).toMatch(/payments \(1\)/);
  });

  it('explains bad commands, problems and an unreachable simulator', async () => {
    const usage = await cli('errors', 'lots');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/errors: expected a share/);
    const refused = await cli('async', 'on');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/409 PROVIDER.WEBHOOKS_NOT_CONFIGURED/);
    const gone = await exec(
      process.execPath,
      [
        '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
        join(ROOT, 'scripts/provider/cli.ts'),
        'status',
      ],
      {
        env: { ...process.env, PAYMENT_PROVIDER_SIM_ADMIN_URL: 'http://127.0.0.1:9' },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(gone).toMatchObject({ code: 1 });
    expect((gone as { stderr: string }).stderr).toMatch(
      /cannot reach the admin port of payment-provider-sim/,
    );
  });
});
