// Dead letters end to end, on the real stack with the services as processes: a poison record
// written by a raw producer is parked while later orders on its partition complete; an order
// whose charge failed for a fixable cause (payments-adapter pointed at the wrong provider URL) is
// re-driven with `npm run dlt` once the cause is fixed and completes its saga; a redrive past the
// cap is refused; a purge removes what it selected; every action is in the service's audit log
// and dead_letter_redrives_total counts the redrives.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, deadLetterTopic } from '@order-saga/contracts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
  type OrderView,
  type ProviderRecords,
} from '../../scripts/system/orders-api.ts';
import { freePorts, startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { waitForTrace, type ZipkinSpan } from '../../scripts/system/traces.ts';
import { samples } from '../support/prometheus-api.ts';
import { sagaLogs } from '../support/saga-logs.ts';
import { metricSum } from '../support/service-metrics.ts';
import { readTopics } from '../support/topic-reader.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SKU = 'SKU-DLT';
const PARTITIONS = 6;

interface Listing {
  readonly total: number;
  readonly groups: Array<{ code: string; type: string | null; count: number; parked: number }>;
  readonly items: Array<{ id: string; key: string; status: string; error: { code: string } }>;
}

let system: SagaSystem;
let producer: Producer;
let kafka: Kafka;
let adminUrl: string;
const ledger: Array<[string, string]> = [];
const note = (what: string, value: string | number): void => {
  ledger.push([what, String(value)]);
};

/** `npm run dlt -- <args>` against this run's admin ports. */
async function dlt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
        resolve(ROOT, 'scripts/dlt/cli.ts'),
        ...args,
      ],
      {
        env: {
          ...process.env,
          ORDERS_SERVICE_ADMIN_URL: system.services['orders-service'].adminUrl,
          PAYMENTS_ADAPTER_ADMIN_URL: adminUrl,
          FULFILLMENT_SERVICE_ADMIN_URL: system.services['fulfillment-service'].adminUrl,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const listing = async (): Promise<Listing> =>
  (await http<Listing>(`${adminUrl}/admin/dead-letters`)).body;

/** The partition kafkajs' default partitioner (every producer here) gives a key. */
function partitionOf(key: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic: 'any',
    partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}

async function endOffsets(topic: string): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .sort((a, b) => a.partition - b.partition)
      .map((o) => `${o.low}-${o.high}`)
      .join(',');
  } finally {
    await admin.disconnect();
  }
}

async function charges(orderId: string): Promise<number> {
  return (await http<ProviderRecords>(`${system.providerUrl}/v1/records?reference=${orderId}`)).body
    .payments.length;
}

const ordersTopic = (): string => `${system.topicPrefix}${TOPICS.ordersEvents}`;

// The order whose charge failed for a fixable cause, and its dead letter.
let stranded: string;
let strandedId: string;
let poisonId: string;

beforeAll(async () => {
  // payments-adapter starts misconfigured: PAYMENT_PROVIDER_URL points at the simulator's admin
  // listener, which answers /v1/payments with 404. A 4xx is final (PROVIDER.REJECTED): the
  // OrderCreated is dead-lettered at once and the order waits in PAYMENT_PENDING.
  const [providerAdminPort = 0] = await freePorts(1);
  system = await startSagaSystem('dlt', {
    adminPorts: { 'payment-provider-sim': providerAdminPort },
    env: {
      'payments-adapter': {
        PAYMENT_PROVIDER_URL: `http://127.0.0.1:${providerAdminPort}`,
        // Watching that URL's readiness would see a 404, hold the breaker open and make the
        // charge wait for the provider (what production wants); this test wants the 4xx.
        PROVIDER_WATCH: 'off',
        DEAD_LETTER_REDRIVE_CAP: '1',
      },
    },
  });
  adminUrl = system.services['payments-adapter'].adminUrl;
  await setStock(system.fulfillmentUrl, SKU, 50);
  kafka = new Kafka({ clientId: 'dlt-e2e', brokers: system.brokers, logLevel: logLevel.NOTHING });
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  if (ledger.length > 0) {
    const width = Math.max(...ledger.map(([what]) => what.length));
    console.log(
      ['dead-letter redrive ledger', ...ledger.map(([w, v]) => `  ${w.padEnd(width)}  ${v}`)].join(
        '\n',
      ),
    );
  }
  await system?.stop();
});

const items = { items: [{ sku: SKU, quantity: 1, unitPrice: 700 }] };

describe('dead letters', () => {
  it('a charge rejected for a fixable cause is dead-lettered at once; the order waits', async () => {
    const created = await postOrder(system.ordersUrl, orderBody(items));
    expect(created.status).toBe(201);
    stranded = created.body.id;
    const posted = Date.now();
    const letter = await waitFor(
      'the rejected OrderCreated in payments-adapter’s dead letters',
      async () => (await listing()).items.find((i) => i.key === stranded),
      15_000,
      100,
    );
    note('fixable failure: POST to dead letter', `${Date.now() - posted} ms`);
    expect(letter.error.code).toBe('PROVIDER.REJECTED');
    strandedId = letter.id;
    const order = await http<OrderView>(`${system.ordersUrl}/orders/${stranded}`);
    expect(order.body.status).toBe('PAYMENT_PENDING');
    expect(await charges(stranded)).toBe(0);

    // The fix: the right provider URL.
    await system.kill('payments-adapter');
    await system.start('payments-adapter', { PAYMENT_PROVIDER_URL: system.providerUrl });
  });

  it('a poison record from a raw producer is parked in seconds; later orders on its partition complete', async () => {
    const poisonKey = randomUUID();
    const partition = partitionOf(poisonKey);
    const [sent] = await producer.send({
      topic: ordersTopic(),
      messages: [
        {
          key: poisonKey,
          // A valid CloudEvents envelope around a value that is not JSON.
          value: '{"orderId":',
          headers: {
            ce_specversion: '1.0',
            ce_id: randomUUID(),
            ce_type: 'orders.order-created.v1',
            ce_source: 'dlt-e2e-raw-producer',
            ce_time: new Date().toISOString(),
            ce_subject: poisonKey,
            'content-type': 'application/json',
            'correlation-id': `poison-${poisonKey}`,
          },
        },
      ],
    });
    expect(sent?.partition).toBe(partition);
    const producedAt = Date.now();
    const parked = await waitFor(
      'the poison record in the dead letters',
      async () => (await listing()).items.find((i) => i.key === poisonKey),
      15_000,
      100,
    );
    note('poison record: produce to dead letter', `${Date.now() - producedAt} ms`);
    expect(parked.error.code).toBe('ENVELOPE.INVALID_JSON');
    poisonId = parked.id;

    // Orders placed after it, until two have landed on the poison's partition.
    const later: string[] = [];
    while (later.filter((id) => partitionOf(id) === partition).length < 2 && later.length < 60) {
      const created = await postOrder(system.ordersUrl, orderBody(items));
      expect(created.status).toBe(201);
      later.push(created.body.id);
    }
    const onPartition = later.filter((id) => partitionOf(id) === partition);
    expect(onPartition).toHaveLength(2);
    const done = await Promise.all(later.map((id) => waitForTerminal(system.ordersUrl, id)));
    expect(done.map((o) => o.status)).toEqual(later.map(() => 'FULFILLED'));
    // Read back from Kafka: the later orders really are behind the poison on its partition.
    const wire = await readTopics(system.brokers, [ordersTopic()]);
    const behind = wire.filter(
      (m) =>
        m.partition === partition &&
        onPartition.includes(m.key) &&
        BigInt(m.offset) > BigInt(sent?.baseOffset ?? '0'),
    );
    expect(behind.length).toBeGreaterThanOrEqual(2);
    note(
      `orders after the poison (partition ${partition})`,
      `${later.length} placed, ${onPartition.length} on its partition, all FULFILLED`,
    );
  });

  it('dlt list shows them grouped by error code and type', async () => {
    const body = await listing();
    expect(body.groups).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'PROVIDER.REJECTED',
          type: 'orders.order-created.v1',
          count: 1,
          parked: 1,
        }),
        expect.objectContaining({
          code: 'ENVELOPE.INVALID_JSON',
          type: 'orders.order-created.v1',
          count: 1,
        }),
      ]),
    );
    const out = await dlt('list');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/payments-adapter: 2 dead letters on orders\.events\.dlt/);
    expect(out.stdout).toMatch(/^\s+1\s+1\s+0\s+PROVIDER\.REJECTED\s+orders\.order-created\.v1/m);
    expect(out.stdout).toMatch(/ENVELOPE\.INVALID_JSON/);
    expect(out.stdout).toContain(strandedId);
    expect(out.stdout).toMatch(/orders-service: 0 dead letters/);
    note(
      'dlt list',
      out.stdout
        .split('\n')
        .find((l) => l.includes('PROVIDER.REJECTED'))
        ?.trim() ?? '',
    );

    const shown = await dlt('show', strandedId);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`original topic\\s+${ordersTopic().replaceAll('.', '\\.')}`),
    );
    expect(shown.stdout).toMatch(/original offset\s+\d+/);
    expect(shown.stdout).toMatch(new RegExp(`key\\s+${stranded}`));
    expect(shown.stdout).toMatch(/ce_type\s+orders\.order-created\.v1/);
    expect(shown.stdout).toContain(`"orderId":"${stranded}"`);
    expect(shown.stdout).toMatch(/first seen\s+\d{4}-/);
  });

  it('redrive is a dry run by default, then re-publishes and the saga completes', async () => {
    const before = await endOffsets(ordersTopic());
    const dry = await dlt('redrive', strandedId);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would re-drive\s+orders\.events\.dlt:/);
    expect(dry.stdout).toMatch(/DRY RUN: nothing was changed/);
    expect(await endOffsets(ordersTopic())).toBe(before);
    expect((await http<OrderView>(`${system.ordersUrl}/orders/${stranded}`)).body.status).toBe(
      'PAYMENT_PENDING',
    );

    const started = Date.now();
    const applied = await dlt(
      'redrive',
      strandedId,
      '--apply',
      '--by',
      'e2e',
      '--reason',
      'provider URL fixed',
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/redriven\s+orders\.events\.dlt:/);
    expect(applied.stdout).toMatch(/APPLIED: 1 dead letter re-driven/);
    const order = await waitForTerminal(system.ordersUrl, stranded);
    expect(order.status).toBe('FULFILLED');
    note('redrive --apply to FULFILLED', `${Date.now() - started} ms (CLI included)`);
    expect(await charges(stranded)).toBe(1);

    // On the wire: the original message again, same id and key, plus the redrive headers.
    const wire = (await readTopics(system.brokers, [ordersTopic()])).filter(
      (m) => m.key === stranded && m.headers['ce_type'] === 'orders.order-created.v1',
    );
    expect(wire).toHaveLength(2);
    const [original, redriven] = wire;
    expect(redriven?.headers['ce_id']).toBe(original?.headers['ce_id']);
    expect(redriven?.value).toEqual(original?.value);
    expect(redriven?.headers).toMatchObject({
      'dlt-redrive-count': '1',
      'dlt-redriven-by': 'e2e',
      'dlt-redrive-reason': 'provider URL fixed',
      'dlt-redriven-from': strandedId,
    });
    expect(redriven?.headers['dlt-error-code']).toBeUndefined();
  });

  it('a redrive past the cap is refused and sends nothing', async () => {
    const before = await endOffsets(ordersTopic());
    const again = await dlt('redrive', strandedId, '--apply', '--by', 'e2e');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409 DEAD_LETTER\.REDRIVE_CAP_REACHED/);
    expect(again.stderr).toMatch(
      /re-driven 1 time already; the cap \(DEAD_LETTER_REDRIVE_CAP\) is 1/,
    );
    const api = await http<{ code: string }>(`${adminUrl}/admin/dead-letters/redrive`, {
      method: 'POST',
      body: JSON.stringify({ ids: [strandedId], apply: true }),
    });
    expect(api.status).toBe(409);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    expect(api.body.code).toBe('DEAD_LETTER.REDRIVE_CAP_REACHED');
    expect(await endOffsets(ordersTopic())).toBe(before);
    expect(await charges(stranded)).toBe(1);
    note(
      'second redrive (cap 1)',
      `refused: exit ${again.code}, HTTP ${api.status} ${api.body.code}`,
    );
  });

  it('bad requests get problem+json with a stable code and change nothing', async () => {
    const post = (path: string, body: unknown) =>
      http<{ code: string }>(`${adminUrl}/admin/dead-letters/${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
    expect((await http<{ code: string }>(`${adminUrl}/admin/dead-letters/nope`)).body.code).toBe(
      'DEAD_LETTER.ID_MALFORMED',
    );
    const unknown = await http<{ code: string }>(
      `${adminUrl}/admin/dead-letters/orders.events.dlt:0:999999`,
    );
    expect([unknown.status, unknown.body.code]).toEqual([404, 'DEAD_LETTER.NOT_FOUND']);
    expect((await post('redrive', {})).body.code).toBe('DEAD_LETTER.SELECTION_INVALID');
    expect((await post('purge', { all: true, code: 'X' })).body.code).toBe(
      'DEAD_LETTER.SELECTION_INVALID',
    );
    expect((await post('purge', { ids: ['orders.events.dlt:0:999999'], apply: true })).status).toBe(
      404,
    );
    // Operator routes never answer on the public port.
    const publicPort = await http(`${system.services['payments-adapter'].url}/admin/dead-letters`);
    expect(publicPort.status).toBe(404);
    expect((await listing()).total).toBe(2);
  });

  it('purge is a dry run by default, then removes what it selected and trims Kafka where safe', async () => {
    const dlTopic = `${system.topicPrefix}${deadLetterTopic(TOPICS.ordersEvents)}`;
    const before = await endOffsets(dlTopic);
    const dry = await dlt('purge', '--code', 'ENVELOPE.INVALID_JSON', '--by', 'e2e');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would purge\s+orders\.events\.dlt:/);
    expect(dry.stdout).toMatch(/DRY RUN: nothing was changed\. 1 dead letter would be purged/);
    expect(await endOffsets(dlTopic)).toBe(before);
    expect((await listing()).total).toBe(2);

    const applied = await dlt('purge', poisonId, strandedId, '--apply', '--by', 'e2e');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/APPLIED: 2 dead letters purged/);
    expect((await listing()).total).toBe(0);
    // Only payments-adapter's two dead letters were on the topic (fulfillment-service skips
    // OrderCreated by type), so both partitions were wholly handled and deleted from Kafka:
    // what was deleted is not even listed as purged any more.
    expect(applied.stdout).toMatch(/deleted .*orders\.events\.dlt partition \d+ below offset \d+/);
    const purged = await http<Listing>(`${adminUrl}/admin/dead-letters?status=purged`);
    expect(purged.body.total).toBe(0);
    const [, partition = '0', offset = '0'] = strandedId.split(':');
    const low = (await endOffsets(dlTopic)).split(',')[Number(partition)]?.split('-')[0];
    expect(BigInt(low ?? '0')).toBeGreaterThan(BigInt(offset));
    const deletedLines = applied.stdout.split('\n').filter((l) => l.includes('deleted'));
    note(
      'purge --apply',
      `2 purged, ${deletedLines.length} partition prefix(es) deleted from Kafka`,
    );
    // Nothing purged is ever re-driven: the ids are gone for redrive too.
    expect((await dlt('redrive', strandedId, '--apply')).code).toBe(1);
  });

  it('every action is in the audit log, and dead_letter_redrives_total moved', async () => {
    await waitFor('the audit lines to reach the log file', () =>
      readFileSync(system.services['payments-adapter'].logFile, 'utf8').includes(
        'dead_letter.records_deleted',
      )
        ? true
        : undefined,
    );
    const lines = readFileSync(system.services['payments-adapter'].logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('dead_letter.'));
    const about = (event: string, id: string) =>
      lines.filter((l) => l['msg'] === event && l['deadLetterId'] === id);
    expect(about('dead_letter.shown', strandedId)).toHaveLength(1);
    expect(about('dead_letter.redrive_planned', strandedId)).toHaveLength(1);
    const [redriven] = about('dead_letter.redriven', strandedId);
    expect(redriven).toMatchObject({
      service: 'payments-adapter',
      component: 'dead-letters',
      orderId: stranded,
      code: 'PROVIDER.REJECTED',
      by: 'e2e',
      reason: 'provider URL fixed',
      redriveCount: 1,
      dryRun: false,
    });
    expect(redriven?.['messageId']).toEqual(expect.any(String));
    // Twice by the CLI and once by the API; the last, after the purge, was not found at all.
    expect(about('dead_letter.redrive_refused', strandedId)).toHaveLength(2);
    expect(about('dead_letter.purge_planned', poisonId)).toHaveLength(1);
    expect(about('dead_letter.purged', poisonId)).toHaveLength(1);
    expect(about('dead_letter.purged', strandedId)).toHaveLength(1);
    expect(lines.filter((l) => l['msg'] === 'dead_letter.listed').length).toBeGreaterThan(3);
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(String(l['msg']), (counts.get(String(l['msg'])) ?? 0) + 1);
    note(
      'audit log lines',
      [...counts].map(([event, n]) => `${event.replace('dead_letter.', '')} ${n}`).join(', '),
    );

    // The operator's lines belong to the order's saga like the rest: its ids, its trace; and
    // the order's trace in Zipkin shows the redrive, its send beneath it.
    const order = (await http<OrderView>(`${system.ordersUrl}/orders/${stranded}`)).body;
    const logs = sagaLogs(
      Object.values(system.services).map((service) => service.logFile),
      order,
    );
    expect(logs.problems).toEqual([]);
    expect(
      logs.lines.filter(({ line }) => String(line['msg']).startsWith('dead_letter.')).length,
      // shown, redrive_planned, redriven, redrive_refused twice, purged
    ).toBe(6);
    // Every redrive call leaves a `redrive` span (the dry run and the refusals too); the one that
    // sent has the re-published message's send span beneath it.
    const sentBy = (all: readonly ZipkinSpan[]): ZipkinSpan[] =>
      all.filter(
        (s) =>
          s.name.startsWith('redrive ') &&
          all.some((c) => c.parentId === s.id && c.name === `send ${ordersTopic()}`),
      );
    const spans = await waitForTrace(
      system.zipkinUrl,
      order.traceId,
      (all) => sentBy(all).length > 0,
    );
    expect(sentBy(spans)).toHaveLength(1);
    expect(sentBy(spans)[0]?.localEndpoint?.serviceName).toBe('payments-adapter');
    expect(spans.filter((s) => s.name.startsWith('redrive ')).length).toBe(4);
    note(
      'the re-driven saga',
      `${logs.lines.length} log lines, one correlation id and one trace id; redrive span in its trace`,
    );

    const topic = `topic="${system.topicPrefix}${deadLetterTopic(TOPICS.ordersEvents)}"`;
    const adapterMetric = (name: string, label: string): Promise<number> =>
      metricSum(system.services['payments-adapter'].url, name, topic, label);
    expect(await adapterMetric('dead_letter_redrives_total', 'outcome="redriven"')).toBe(1);
    expect(await adapterMetric('dead_letter_redrives_total', 'outcome="refused"')).toBe(2);
    expect(await adapterMetric('dead_letters_total', 'code="ENVELOPE.INVALID_JSON"')).toBe(1);
    // And as the stack's Prometheus scraped it: what the dashboard's Dead letters panel reads.
    const scraped = await waitFor('Prometheus to scrape the redrives of this run', async () => {
      const found = await samples(
        `sum by (outcome) (dead_letter_redrives_total{run="${system.runId}"})`,
      );
      const value = (outcome: string) =>
        Number(found.find((f) => f.metric['outcome'] === outcome)?.value[1]);
      return value('redriven') === 1 && value('refused') === 2 ? found : undefined;
    });
    expect(scraped).toHaveLength(2);
    note('dead_letter_redrives_total', 'redriven 1, refused 2 (on /metrics and in Prometheus)');
  });
});
