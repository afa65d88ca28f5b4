import type { Kafka } from 'kafkajs';
import { deadLetterTopic } from '@order-saga/contracts';
import { traceDeadLetterAction, type Logger, type SagaMetrics } from '@order-saga/observability';
import type { KafkaPublisher, OutgoingRecord } from '../publisher';
import {
  foldDeadLetters,
  groupDeadLetters,
  parseDeadLetterId,
  planRedrives,
  recordKey,
  selectDeadLetters,
  trimmablePrefixes,
  type DeadLetter,
  type DeadLetterEntry,
  type DeadLetterGroup,
  type DeadLetterSelection,
  type DeadLetterStatus,
  type RedrivePlan,
} from './dead-letter-book';
import {
  DLT_HEADERS,
  FAILURE_HEADERS,
  REDRIVE_HEADERS,
  type DeadLetterAction,
} from './dead-letter-headers';
import { scanTopics } from './dead-letter-reader';

export interface DeadLetterDeskOptions {
  readonly kafka: Kafka;
  /** The service's idempotent producer (the one its relay and dead-letter path use). */
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /** The service's consumer group: its dead letters are the ones this desk shows and acts on. */
  readonly consumerGroup: string;
  /** The topics it consumes (full names); their `<topic>.dlt` twins are read. */
  readonly topics: readonly string[];
  readonly topicPrefix: string;
  /** Redrives one message may have (DEAD_LETTER_REDRIVE_CAP); past it a redrive is refused. */
  readonly redriveCap: number;
}

export interface DeadLetterFilter {
  readonly code?: string;
  readonly type?: string;
  readonly status?: DeadLetterStatus;
}

/** A dead letter in a listing: everything but its headers and payload (see `show`). */
export type DeadLetterSummary = Omit<
  DeadLetter,
  'headers' | 'payload' | 'payloadEncoding' | 'actions'
>;

export interface DeadLetterListing {
  readonly consumerGroup: string;
  readonly topics: readonly string[];
  readonly redriveCap: number;
  /** Unpurged dead letters matching the filter (purged ones only when asked for by status). */
  readonly total: number;
  readonly groups: DeadLetterGroup[];
  readonly items: DeadLetterSummary[];
}

/** Who acts and why: recorded on the re-driven message, in the action record and the audit log. */
export interface Actor {
  readonly by?: string;
  readonly reason?: string;
}

export interface ActionRequest extends Actor {
  readonly selection: DeadLetterSelection;
  /** False (the default everywhere): say what would happen, change nothing. */
  readonly apply: boolean;
}

export interface RedriveResult {
  readonly id: string;
  readonly outcome: 'would-redrive' | 'redriven' | 'refused';
  readonly originalTopic: string;
  readonly key: string;
  readonly messageType: string | null;
  readonly code: string;
  /** The message's redrive count after this redrive (or the count that refused it). */
  readonly redriveCount: number;
  readonly reason?: string;
}

export interface RedriveReport {
  readonly dryRun: boolean;
  readonly redriveCap: number;
  readonly results: RedriveResult[];
}

export interface PurgeReport {
  readonly dryRun: boolean;
  readonly purged: Array<
    Pick<DeadLetter, 'id' | 'status' | 'key' | 'messageType'> & { code: string }
  >;
  /** Partitions whose records below `before` were deleted from Kafka (every one of them handled). */
  readonly deleted: Array<{ topic: string; partition: number; before: string }>;
}

export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly missing: string[] };

const DETAIL_ONLY = new Set(['headers', 'payload', 'payloadEncoding', 'actions']);

/** Runs `work` in a span of the dead letter's own trace (see traceDeadLetterAction). */
function inTrace<T>(
  entry: DeadLetterEntry,
  action: string,
  work: () => T | Promise<T>,
): Promise<T> {
  return traceDeadLetterAction(
    action,
    { topic: entry.raw.topic, key: entry.view.key, headers: entry.raw.headers },
    async () => work(),
  );
}

function summary(letter: DeadLetter): DeadLetterSummary {
  return Object.fromEntries(
    Object.entries(letter).filter(([name]) => !DETAIL_ONLY.has(name)),
  ) as DeadLetterSummary;
}

/**
 * The operator's side of a service's dead letters (ADR 0014): list them grouped by error code and
 * message type, show one, re-drive them to where they came from, purge them. Acting is opt-in
 * (`apply`), so every call is a dry run unless asked otherwise; each call leaves one audit log
 * line per dead letter it touched, and redrives count in `dead_letter_redrives_total`.
 */
export class DeadLetterDesk {
  private readonly log: Logger;
  private readonly deadLetterTopics: readonly string[];

  constructor(private readonly options: DeadLetterDeskOptions) {
    this.log = options.logger.child({ component: 'dead-letters' });
    this.deadLetterTopics = [...new Set(options.topics.map(deadLetterTopic))];
    for (const topic of this.deadLetterTopics)
      for (const outcome of ['redriven', 'refused'])
        options.metrics.deadLetterRedrives.inc({ topic, outcome }, 0);
  }

  /** The dead-letter topics this desk reads, without the topic prefix (as ids name them). */
  get topics(): readonly string[] {
    const { topicPrefix } = this.options;
    return this.deadLetterTopics.map((t) =>
      t.startsWith(topicPrefix) ? t.slice(topicPrefix.length) : t,
    );
  }

  /** Whether `id` is well formed and names one of this service's dead-letter topics. */
  acceptsId(id: string): boolean {
    const at = parseDeadLetterId(id, this.options.topicPrefix);
    return at !== undefined && this.deadLetterTopics.includes(at.topic);
  }

  async list(filter: DeadLetterFilter = {}): Promise<DeadLetterListing> {
    const { entries } = await this.read();
    const letters = entries
      .map((e) => e.view)
      .filter(
        (l) =>
          (filter.status === undefined ? l.status !== 'purged' : l.status === filter.status) &&
          (filter.code === undefined || l.error.code === filter.code) &&
          (filter.type === undefined || l.messageType === filter.type),
      );
    this.log.info({ filter, total: letters.length }, 'dead_letter.listed');
    return {
      consumerGroup: this.options.consumerGroup,
      topics: this.topics,
      redriveCap: this.options.redriveCap,
      total: letters.length,
      groups: groupDeadLetters(letters),
      items: letters.map(summary),
    };
  }

  async show(id: string): Promise<DeadLetter | undefined> {
    const { entries } = await this.read();
    const entry = entries.find((e) => e.view.id === id);
    if (entry === undefined) return undefined;
    await inTrace(entry, 'show', () =>
      this.log.info(this.auditFields(entry.view), 'dead_letter.shown'),
    );
    return entry.view;
  }

  /**
   * Re-publishes each selected dead letter to its original topic, with its original key, value
   * and headers plus the redrive headers, and records the redrive next to it. The message keeps
   * its CloudEvents id, so a consumer group that had already applied it skips it (inbox).
   */
  async redrive(request: ActionRequest): Promise<Outcome<RedriveReport>> {
    const { entries } = await this.read();
    const selected = selectDeadLetters(entries, request.selection, 'redrive');
    if (!selected.ok) return selected;
    const plans = planRedrives(selected.entries, this.options.redriveCap);
    const at = new Date().toISOString();
    const results: RedriveResult[] = [];
    for (const plan of plans)
      results.push(await inTrace(plan.entry, 'redrive', () => this.redriveOne(plan, at, request)));
    return {
      ok: true,
      value: { dryRun: !request.apply, redriveCap: this.options.redriveCap, results },
    };
  }

  private async redriveOne(
    plan: RedrivePlan,
    at: string,
    request: ActionRequest,
  ): Promise<RedriveResult> {
    const letter = plan.entry.view;
    const base = {
      id: letter.id,
      originalTopic: letter.original.topic ?? '?',
      key: letter.key,
      messageType: letter.messageType,
      code: letter.error.code,
      redriveCount: plan.count,
    };
    const fields = {
      ...this.auditFields(letter),
      redriveCount: plan.count,
      cap: this.options.redriveCap,
      by: request.by,
      reason: request.reason,
      dryRun: !request.apply,
    };
    if (plan.outcome === 'refused') {
      if (request.apply)
        this.options.metrics.deadLetterRedrives.inc({ topic: letter.topic, outcome: 'refused' });
      this.log.warn({ ...fields, refusal: plan.reason }, 'dead_letter.redrive_refused');
      return { ...base, outcome: 'refused', reason: plan.reason };
    }
    if (!request.apply) {
      this.log.info(fields, 'dead_letter.redrive_planned');
      return { ...base, outcome: 'would-redrive' };
    }
    await this.options.publisher.publish([
      this.redriven(plan.entry, plan.count, at, request),
      this.action(plan.entry, 'redriven', at, request),
    ]);
    this.options.metrics.deadLetterRedrives.inc({ topic: letter.topic, outcome: 'redriven' });
    this.log.info(fields, 'dead_letter.redriven');
    return { ...base, outcome: 'redriven' };
  }

  /**
   * Purges the selected dead letters: an action record marks each as handled (it leaves the
   * listing), then every partition whose records are all handled up to some offset is trimmed
   * there with DeleteRecords, which is safe because nothing below that offset is still wanted.
   */
  async purge(request: ActionRequest): Promise<Outcome<PurgeReport>> {
    const { entries, records, ranges } = await this.read();
    const selected = selectDeadLetters(entries, request.selection, 'purge');
    if (!selected.ok) return selected;
    const at = new Date().toISOString();
    const purged = selected.entries.map(({ view }) => ({
      id: view.id,
      status: view.status,
      key: view.key,
      messageType: view.messageType,
      code: view.error.code,
    }));
    const deletable = trimmablePrefixes(
      records,
      ranges,
      new Set(selected.entries.map((e) => recordKey(e.raw))),
    );
    const event = request.apply ? 'dead_letter.purged' : 'dead_letter.purge_planned';
    for (const entry of selected.entries)
      await inTrace(entry, 'purge', () =>
        this.log.info(
          {
            ...this.auditFields(entry.view),
            by: request.by,
            reason: request.reason,
            dryRun: !request.apply,
          },
          event,
        ),
      );
    if (!request.apply) return { ok: true, value: { dryRun: true, purged, deleted: deletable } };

    if (selected.entries.length > 0)
      await this.options.publisher.publish(
        selected.entries.map((entry) => this.action(entry, 'purged', at, request)),
      );
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      for (const topic of new Set(deletable.map((cut) => cut.topic))) {
        const cuts = deletable.filter((cut) => cut.topic === topic);
        // kafkajs' deleteTopicRecords finds partition leaders in metadata it does not load itself.
        await admin.fetchTopicMetadata({ topics: [topic] });
        await admin.deleteTopicRecords({
          topic,
          partitions: cuts.map((cut) => ({ partition: cut.partition, offset: cut.before })),
        });
        for (const cut of cuts)
          this.log.info(
            {
              deadLetterTopic: topic,
              partition: cut.partition,
              before: cut.before,
              by: request.by,
            },
            'dead_letter.records_deleted',
          );
      }
    } finally {
      await admin.disconnect();
    }
    return { ok: true, value: { dryRun: false, purged, deleted: deletable } };
  }

  private async read() {
    const scan = await scanTopics(
      this.options.kafka,
      this.deadLetterTopics,
      this.options.consumerGroup,
    );
    return {
      ...scan,
      entries: foldDeadLetters(scan.records, this.options.consumerGroup, this.options.topicPrefix),
    };
  }

  /** The original message, back to its topic: its key, value and own headers, plus redrive ones. */
  private redriven(
    entry: DeadLetterEntry,
    count: number,
    at: string,
    actor: Actor,
  ): OutgoingRecord {
    const headers: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(entry.raw.headers))
      if (value !== undefined && !FAILURE_HEADERS.includes(name) && !REDRIVE_HEADERS.includes(name))
        headers[name] = value;
    Object.assign(headers, {
      [DLT_HEADERS.redriveCount]: String(count),
      [DLT_HEADERS.redrivenAt]: at,
      [DLT_HEADERS.redrivenFrom]: entry.view.id,
      ...(actor.by === undefined ? {} : { [DLT_HEADERS.redrivenBy]: actor.by }),
      ...(actor.reason === undefined ? {} : { [DLT_HEADERS.redriveReason]: actor.reason }),
    });
    return {
      // planRedrives refuses a dead letter that does not name its original topic.
      topic: entry.view.original.topic ?? '',
      key: entry.view.key,
      value: entry.raw.value ?? Buffer.alloc(0),
      // No traceParent: the send is a child of the redrive span, in the message's own trace.
      headers,
    };
  }

  /** The action record: in the dead letter's own partition, after it. */
  private action(
    entry: DeadLetterEntry,
    action: DeadLetterAction,
    at: string,
    actor: Actor,
  ): OutgoingRecord {
    return {
      topic: entry.raw.topic,
      partition: entry.raw.partition,
      key: entry.view.key,
      value: JSON.stringify({
        action,
        deadLetter: entry.view.id,
        at,
        by: actor.by ?? null,
        reason: actor.reason ?? null,
      }),
      headers: {
        [DLT_HEADERS.action]: action,
        [DLT_HEADERS.actionTarget]: entry.raw.offset,
        'content-type': 'application/json',
      },
    };
  }

  private auditFields(letter: DeadLetter): Record<string, unknown> {
    return {
      deadLetterId: letter.id,
      deadLetterTopic: letter.topic,
      originalTopic: letter.original.topic,
      originalPartition: letter.original.partition,
      originalOffset: letter.original.offset,
      consumerGroup: letter.consumerGroup,
      code: letter.error.code,
      messageType: letter.messageType,
      messageId: letter.messageId,
      orderId: letter.key === '' ? undefined : letter.key,
      correlationId: letter.correlationId ?? undefined,
      status: letter.status,
    };
  }
}
