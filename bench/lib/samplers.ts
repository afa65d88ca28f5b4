// Once a second during the run: consumer lag per group (committed offset vs partition end, read
// from the broker, since the services do not export kafka_consumer_lag yet) and the outbox
// backlog per service database (rows committed but not yet published).
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { epochNow } from './http-client.ts';

export interface LagGroup {
  readonly name: string;
  readonly groupId: string;
}

export interface Sample {
  readonly at: number;
  /** Messages not yet committed, per group name. */
  readonly lag: Record<string, number>;
  /** Unpublished outbox rows, per service database name. */
  readonly outbox: Record<string, number>;
}

export class Samplers {
  readonly samples: Sample[] = [];
  private admin: Admin | undefined;
  private readonly clients = new Map<string, Client>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  /** The most recent sampling error, for the report. */
  lastError: string | undefined;

  private readonly brokers: string[];
  private readonly groups: readonly LagGroup[];
  private readonly databases: Record<string, string>;
  private readonly intervalMs: number;

  constructor(
    brokers: string[],
    groups: readonly LagGroup[],
    databases: Record<string, string>,
    intervalMs = 1_000,
  ) {
    this.brokers = brokers;
    this.groups = groups;
    this.databases = databases;
    this.intervalMs = intervalMs;
  }

  async start(): Promise<void> {
    this.admin = new Kafka({
      clientId: 'bench-lag',
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await this.admin.connect();
    for (const [name, url] of Object.entries(this.databases)) {
      const client = new Client({ connectionString: url });
      await client.connect();
      this.clients.set(name, client);
    }
    this.timer = setInterval(() => {
      // Skip a tick rather than pile up if the broker or database is slow to answer.
      if (this.running !== undefined) return;
      this.running = this.sample()
        .catch((error: unknown) => {
          this.failures++;
          this.lastError = error instanceof Error ? error.message : String(error);
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
  }

  get failedSamples(): number {
    return this.failures;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.admin?.disconnect();
    for (const client of this.clients.values()) await client.end().catch(() => undefined);
  }

  /** Max and mean of each series over the samples taken in [from, to]. */
  window(
    from: number,
    to: number,
  ): {
    lag: Record<string, { max: number; mean: number }>;
    outbox: Record<string, { max: number; mean: number }>;
    samples: number;
  } {
    const inWindow = this.samples.filter((s) => s.at >= from && s.at <= to);
    const stats = (pick: (s: Sample) => Record<string, number>) => {
      const out: Record<string, { max: number; mean: number }> = {};
      for (const sample of inWindow) {
        for (const [name, value] of Object.entries(pick(sample))) {
          const entry = out[name] ?? { max: 0, mean: 0 };
          entry.max = Math.max(entry.max, value);
          entry.mean += value / inWindow.length;
          out[name] = entry;
        }
      }
      return out;
    };
    return { lag: stats((s) => s.lag), outbox: stats((s) => s.outbox), samples: inWindow.length };
  }

  private async sample(): Promise<void> {
    const admin = this.admin;
    if (admin === undefined) return;
    const at = epochNow();
    const ends = new Map<string, Map<number, number>>();
    const endsOf = async (topic: string): Promise<Map<number, number>> => {
      let partitions = ends.get(topic);
      if (partitions === undefined) {
        const offsets = await admin.fetchTopicOffsets(topic);
        partitions = new Map(offsets.map((p) => [p.partition, Number(p.high)]));
        ends.set(topic, partitions);
      }
      return partitions;
    };
    const lag: Record<string, number> = {};
    for (const group of this.groups) {
      // Without `topics`, the broker answers for every topic the group has committed offsets
      // on: no per-mode list of who consumes what to keep in sync with the services.
      const committed = await admin.fetchOffsets({ groupId: group.groupId });
      if (committed.length === 0) continue;
      let total = 0;
      for (const { topic, partitions } of committed) {
        const topicEnds = await endsOf(topic);
        for (const [partition, end] of topicEnds) {
          const offset = Number(partitions.find((p) => p.partition === partition)?.offset ?? -1);
          // -1: nothing committed yet, so everything up to the end is still to be read.
          total += Math.max(0, end - Math.max(0, offset));
        }
      }
      lag[group.name] = total;
    }
    const outbox: Record<string, number> = {};
    for (const [name, client] of this.clients) {
      const result = await client.query<{ pending: string }>(
        'SELECT count(*) AS pending FROM outbox WHERE published_at IS NULL',
      );
      outbox[name] = Number(result.rows[0]?.pending ?? 0);
    }
    this.samples.push({ at, lag, outbox });
  }
}
