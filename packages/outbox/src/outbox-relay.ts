import { Client } from 'pg';
import type { KafkaPublisher } from '@order-saga/messaging';
import { namedStatement, queryRows, type TransactionRunner } from '@order-saga/persistence';
import { retry, retryDelay, retryPolicy, sleep, type RetryPolicy } from '@order-saga/resilience';
import { spanParentFromHeaders, type Logger, type SagaMetrics } from '@order-saga/observability';
import { OUTBOX_CHANNEL } from './outbox-channel';

export interface OutboxRelayOptions {
  readonly db: TransactionRunner;
  /** Connection string for the LISTEN connection (a pooled connection cannot hold LISTEN). */
  readonly databaseUrl: string;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /** Rows per Kafka batch. */
  readonly batchSize?: number;
  /** Safety-net poll when no notification arrives (a missed NOTIFY, a LISTEN reconnect). */
  readonly pollIntervalMs?: number;
  /** Published rows are deleted after this long; they are kept a while for inspection. */
  readonly retentionMs?: number;
  /** Retries of a failed drain (Kafka or the database down); never exhausted. */
  readonly publishRetry?: RetryPolicy;
  /** Retries of the LISTEN connection after it was lost; the poll publishes meanwhile. */
  readonly relistenRetry?: RetryPolicy;
}

export const DEFAULT_PUBLISH_RETRY: RetryPolicy = retryPolicy({
  baseMs: 200,
  capMs: 5_000,
  attempts: Infinity,
  jitter: 'full',
  whenExhausted: 'fail',
});
// Equal jitter: every replica lost its LISTEN together when the database restarted.
export const DEFAULT_RELISTEN_RETRY: RetryPolicy = retryPolicy({
  baseMs: 500,
  capMs: 10_000,
  attempts: Infinity,
  jitter: 'equal',
  whenExhausted: 'fail',
});

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: string;
  created_at: Date;
}

// Any 64-bit constant works; it only has to be the same for every relay replica of a service.
const RELAY_LOCK_KEY = 7_311_845_002;

// The claim of publishBatch ($1 the batch size, $2 the lock key), named: it runs every batch.
const CLAIM_BATCH = namedStatement(
  `WITH relay_lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock($2) AS held)
   UPDATE outbox SET published_at = clock_timestamp()
   WHERE published_at IS NULL AND id IN (
     SELECT o.id FROM outbox o, relay_lock
     WHERE relay_lock.held AND o.published_at IS NULL ORDER BY o.id LIMIT $1)
   RETURNING id, topic, message_key, headers, payload, created_at`,
);

/**
 * Publishes committed outbox rows to Kafka, oldest first, and marks them published in the same
 * transaction that locked them. Several replicas may run: a transaction-scoped advisory lock lets
 * exactly one of them drain at a time, which keeps per-order order across replicas. A crash after
 * the send but before the commit republishes the batch; consumers' inboxes absorb the duplicates.
 */
export class OutboxRelay {
  private readonly stopping = new AbortController();
  private listener: Client | undefined;
  private wake: (() => void) | undefined;
  /**
   * Notifications received, and how many of them had been received when the last claim was
   * sent. A NOTIFY arrives after its transaction committed, so a claim sent after it sees that
   * transaction's rows: a burst of commits that all notified before the claim needs no second
   * cycle (which would claim nothing: BEGIN, an empty claim, COMMIT).
   */
  private notifications = 0;
  private claimedAfter = 0;
  private loop: Promise<void> | undefined;
  private housekeepingTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    await this.listen();
    this.loop = this.run();
    this.housekeepingTimer = setInterval(() => void this.housekeeping(), 5_000);
    this.housekeepingTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    clearInterval(this.housekeepingTimer);
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Publishes until the outbox is empty; returns how many rows went out. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < (this.options.batchSize ?? 500)) return total;
    }
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let woken = this.nextWake();
      try {
        await retry(() => this.drain(), this.options.publishRetry ?? DEFAULT_PUBLISH_RETRY, {
          signal,
          onRetry: (error, next) =>
            logger.error(
              { err: error, failures: next.attempt, retryInMs: next.delayMs },
              'outbox.publish_failed',
            ),
        });
      } catch {
        continue; // stopping (the publish policy is never exhausted)
      }
      // Woken by notifications the last claim already covered: wait for the next one instead.
      while (
        (await woken) === 'notified' &&
        !signal.aborted &&
        this.notifications === this.claimedAfter
      )
        woken = this.nextWake();
    }
  }

  /** Resolves on the next NOTIFY, the poll interval, or stop(), whichever comes first. */
  private nextWake(): Promise<'notified' | 'poll'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('poll'), this.options.pollIntervalMs ?? 1_000);
      this.wake = () => {
        clearTimeout(timer);
        resolve('notified');
      };
    });
  }

  private async publishBatch(): Promise<number> {
    const { db, publisher, metrics } = this.options;
    return db.transaction(async (tx) => {
      // One statement takes the replica lock (once: a MATERIALIZED CTE is evaluated once, before
      // the scan) and claims the oldest unpublished rows. Another replica holding the lock yields
      // no rows. The outer `published_at IS NULL` is rechecked on rows a replica that just
      // finished has published, so they are not claimed twice. Any failure below rolls it back.
      this.claimedAfter = this.notifications;
      const claimed = await queryRows<OutboxRow>(tx, CLAIM_BATCH, [
        this.options.batchSize ?? 500,
        RELAY_LOCK_KEY,
      ]);
      if (claimed.length === 0) return 0;
      // RETURNING follows no order; commit order per order is id order.
      const rows = claimed.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      await publisher.publish(
        rows.map((row) => ({
          topic: row.topic,
          key: row.message_key,
          value: row.payload,
          headers: row.headers,
          // Each row's send span continues the trace of the request or message that wrote it,
          // not this loop's: one order's trace runs unbroken through the outbox.
          traceParent: spanParentFromHeaders(row.headers),
        })),
      );
      const now = Date.now();
      for (const row of rows)
        metrics.outboxPublishLag.observe((now - row.created_at.getTime()) / 1_000);
      metrics.outboxPublished.inc(rows.length);
      return rows.length;
    });
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl });
    let listening = false;
    const lost = (error?: Error): void => {
      // Before LISTEN succeeded, the awaits below throw instead; after, report the loss once.
      if (!listening) return;
      listening = false;
      if (this.listener === client) this.listener = undefined;
      if (this.stopping.signal.aborted) return;
      // The poll keeps publishing meanwhile; listening again brings the latency back.
      this.options.logger.warn({ err: error }, 'outbox.listener_lost');
      void this.listenAgain();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => {
      this.notifications += 1;
      this.wake?.();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    listening = true;
    this.listener = client;
  }

  private async listenAgain(): Promise<void> {
    const { logger } = this.options;
    const signal = this.stopping.signal;
    const policy = this.options.relistenRetry ?? DEFAULT_RELISTEN_RETRY;
    await sleep(retryDelay(policy, 0), signal);
    if (signal.aborted) return;
    try {
      await retry(
        async (attempt) => {
          await this.listen();
          logger.info({ attempt }, 'outbox.listener_restored');
        },
        policy,
        {
          signal,
          onRetry: (error, next) =>
            logger.warn({ err: error, attempt: next.attempt }, 'outbox.listen_failed'),
        },
      );
    } catch {
      // stopping: the relistening policy is never exhausted
    }
  }

  /** Every 5 s: the outbox_pending gauge, and deletion of rows published past the retention. */
  private async housekeeping(): Promise<void> {
    const { db, metrics, logger } = this.options;
    try {
      const [row] = await queryRows<{ pending: string }>(
        db,
        'SELECT count(*) AS pending FROM outbox WHERE published_at IS NULL',
      );
      metrics.outboxPending.set(Number(row?.pending ?? 0));
      const retention = this.options.retentionMs ?? 24 * 3_600_000;
      await db.query(`DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)`, [
        retention / 1_000,
      ]);
    } catch (error) {
      logger.warn({ err: error }, 'outbox.housekeeping_failed');
    }
  }
}
