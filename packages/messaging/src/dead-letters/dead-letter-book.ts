import { DLT_HEADERS, FAILURE_HEADERS, type DeadLetterAction } from './dead-letter-headers';

/**
 * The operator's view of dead-letter topics, folded from what is on them: dead letters and the
 * action records written next to them (ADR 0014). Pure: no Kafka here, so every rule (status,
 * redrive count, cap, what a purge may physically delete) is read and tested without a broker.
 */

/** One record as read from a dead-letter topic. */
export interface RawRecord {
  /** The full topic name (with any KAFKA_TOPIC_PREFIX). */
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka's record timestamp (epoch milliseconds, as a string). */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
}

export type DeadLetterStatus = 'parked' | 'redriven' | 'purged';

export interface ActionRecord {
  readonly action: DeadLetterAction;
  readonly at: string;
  readonly by: string | null;
  readonly reason: string | null;
  /** Where the action record itself is (its offset in the dead letter's partition). */
  readonly offset: string;
}

/** A dead letter as the admin API shows it. */
export interface DeadLetter {
  /** `<dead-letter topic without prefix>:<partition>:<offset>`, e.g. `orders.events.dlt:3:17`. */
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly original: {
    readonly topic: string | null;
    readonly partition: number | null;
    readonly offset: string | null;
  };
  readonly consumerGroup: string | null;
  readonly error: { readonly code: string; readonly message: string };
  readonly failedAt: string;
  /** CloudEvents type and id (`ce_type`, `ce_id`), when the record has them. */
  readonly messageType: string | null;
  readonly messageId: string | null;
  readonly correlationId: string | null;
  readonly status: DeadLetterStatus;
  /** Redrives of this message (every dead letter of it in this group), whatever the cap says. */
  readonly redriveCount: number;
  /** When this message was first and last dead-lettered in this group, and how often. */
  readonly seen: { readonly first: string; readonly last: string; readonly times: number };
  readonly actions: readonly ActionRecord[];
  /** The original headers (the message's own and any redrive history), as text. */
  readonly headers: Readonly<Record<string, string>>;
  /** The value: UTF-8 text, or base64 when it is not valid UTF-8. */
  readonly payload: string;
  readonly payloadEncoding: 'utf8' | 'base64';
}

/** A dead letter with the bytes a redrive sends back. */
export interface DeadLetterEntry {
  readonly view: DeadLetter;
  readonly raw: RawRecord;
}

export interface DeadLetterGroup {
  readonly code: string;
  /** `ce_type`, or null for a record without one (e.g. not a CloudEvent at all). */
  readonly type: string | null;
  readonly count: number;
  readonly parked: number;
  readonly redriven: number;
  readonly originalTopics: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
}

const DLT_ID = /^([A-Za-z0-9._-]+\.dlt):(\d{1,9}):(\d{1,19})$/;

export function deadLetterId(topic: string, prefix: string, partition: number, offset: string) {
  return `${topic.startsWith(prefix) ? topic.slice(prefix.length) : topic}:${partition}:${offset}`;
}

/** The coordinates an id names, or undefined if it is not an id. */
export function parseDeadLetterId(
  id: string,
  prefix: string,
): { readonly topic: string; readonly partition: number; readonly offset: string } | undefined {
  const match = DLT_ID.exec(id);
  if (match === null) return undefined;
  const [, topic = '', partition = '0', offset = '0'] = match;
  return {
    topic: `${prefix}${topic}`,
    partition: Number(partition),
    offset: String(BigInt(offset)),
  };
}

function text(headers: RawRecord['headers'], name: string): string | null {
  const value = headers[name];
  return value === undefined ? null : value.toString('utf8');
}

function decodePayload(value: Buffer | null): { payload: string; encoding: 'utf8' | 'base64' } {
  if (value === null) return { payload: '', encoding: 'utf8' };
  const decoded = value.toString('utf8');
  // Round-trips only if the bytes were valid UTF-8; otherwise show them losslessly.
  return Buffer.from(decoded, 'utf8').equals(value)
    ? { payload: decoded, encoding: 'utf8' }
    : { payload: value.toString('base64'), encoding: 'base64' };
}

function timestampIso(record: RawRecord): string {
  const ms = Number(record.timestamp);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString();
}

function isAction(value: string | null): value is DeadLetterAction {
  return value === 'redriven' || value === 'purged';
}

function readAction(record: RawRecord): { target: string; action: ActionRecord } | undefined {
  const action = text(record.headers, DLT_HEADERS.action);
  const target = text(record.headers, DLT_HEADERS.actionTarget);
  if (!isAction(action) || target === null || !/^\d+$/.test(target)) return undefined;
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(record.value?.toString('utf8') ?? '{}');
    if (typeof parsed === 'object' && parsed !== null) details = parsed as Record<string, unknown>;
  } catch {
    // An unreadable body still records that the action happened; only its details are lost.
  }
  const field = (name: string): string | null =>
    typeof details[name] === 'string' ? details[name] : null;
  return {
    target,
    action: {
      action,
      at: field('at') ?? timestampIso(record),
      by: field('by'),
      reason: field('reason'),
      offset: record.offset,
    },
  };
}

function byOffset(a: RawRecord, b: RawRecord): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const diff = BigInt(a.offset) - BigInt(b.offset);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}

const where = (r: { topic: string; partition: number; offset: string }): string =>
  `${r.topic}/${r.partition}/${r.offset}`;

/** Whether a record is an operator's action record rather than a dead letter. */
export function isActionRecord(record: RawRecord): boolean {
  return record.headers[DLT_HEADERS.action] !== undefined;
}

/**
 * Folds the records of dead-letter topics into the dead letters of one consumer group, oldest
 * first. A message's identity is its CloudEvents id (a redrive keeps it, so a message that fails
 * again after a redrive is the same message); a record without one is its own identity.
 */
export function foldDeadLetters(
  records: readonly RawRecord[],
  consumerGroup: string,
  prefix: string,
): DeadLetterEntry[] {
  const sorted = [...records].sort(byOffset);
  const actions = new Map<string, ActionRecord[]>();
  for (const record of sorted) {
    const read = readAction(record);
    if (read === undefined) continue;
    const key = where({ ...record, offset: read.target });
    actions.set(key, [...(actions.get(key) ?? []), read.action]);
  }
  const mine = sorted.filter(
    (r) => !isActionRecord(r) && text(r.headers, DLT_HEADERS.consumerGroup) === consumerGroup,
  );
  const identity = (r: RawRecord): string => text(r.headers, 'ce_id') ?? `record:${where(r)}`;
  // Per message: redrives recorded by action records, and the highest count a dead letter of it
  // inherited in its headers (what remains once purged records are deleted from the topic).
  const redrives = new Map<string, number>();
  const seen = new Map<string, { first: string; last: string; times: number }>();
  for (const record of mine) {
    const id = identity(record);
    const recorded = (actions.get(where(record)) ?? []).filter((a) => a.action === 'redriven');
    const inherited = Number(text(record.headers, DLT_HEADERS.redriveCount) ?? '0') || 0;
    redrives.set(id, Math.max(inherited, (redrives.get(id) ?? 0) + recorded.length));
    const at = text(record.headers, DLT_HEADERS.failedAt) ?? timestampIso(record);
    const before = seen.get(id);
    seen.set(
      id,
      before === undefined
        ? { first: at, last: at, times: 1 }
        : {
            first: at < before.first ? at : before.first,
            last: at > before.last ? at : before.last,
            times: before.times + 1,
          },
    );
  }
  return mine.map((record) => {
    const id = identity(record);
    const own = actions.get(where(record)) ?? [];
    const status: DeadLetterStatus = own.some((a) => a.action === 'purged')
      ? 'purged'
      : own.some((a) => a.action === 'redriven')
        ? 'redriven'
        : 'parked';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(record.headers))
      if (value !== undefined && !FAILURE_HEADERS.includes(name))
        headers[name] = value.toString('utf8');
    const partition = text(record.headers, DLT_HEADERS.originalPartition);
    const { payload, encoding } = decodePayload(record.value);
    const view: DeadLetter = {
      id: deadLetterId(record.topic, prefix, record.partition, record.offset),
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: record.key?.toString('utf8') ?? '',
      original: {
        topic: text(record.headers, DLT_HEADERS.originalTopic),
        partition: partition === null || !/^\d+$/.test(partition) ? null : Number(partition),
        offset: text(record.headers, DLT_HEADERS.originalOffset),
      },
      consumerGroup: text(record.headers, DLT_HEADERS.consumerGroup),
      error: {
        code: text(record.headers, DLT_HEADERS.errorCode) ?? 'UNKNOWN',
        message: text(record.headers, DLT_HEADERS.errorMessage) ?? '',
      },
      failedAt: text(record.headers, DLT_HEADERS.failedAt) ?? timestampIso(record),
      messageType: text(record.headers, 'ce_type'),
      messageId: text(record.headers, 'ce_id'),
      correlationId: text(record.headers, 'correlation-id'),
      status,
      redriveCount: redrives.get(id) ?? 0,
      seen: seen.get(id) ?? { first: '', last: '', times: 0 },
      actions: own,
      headers,
      payload,
      payloadEncoding: encoding,
    };
    return { view, raw: record };
  });
}

/** Counts per error code and message type, the largest group first. */
export function groupDeadLetters(letters: readonly DeadLetter[]): DeadLetterGroup[] {
  const groups = new Map<string, DeadLetterGroup>();
  for (const letter of letters) {
    const key = `${letter.error.code}\u0000${letter.messageType ?? ''}`;
    const group = groups.get(key);
    const topic = letter.original.topic ?? '?';
    groups.set(key, {
      code: letter.error.code,
      type: letter.messageType,
      count: (group?.count ?? 0) + 1,
      parked: (group?.parked ?? 0) + (letter.status === 'parked' ? 1 : 0),
      redriven: (group?.redriven ?? 0) + (letter.status === 'redriven' ? 1 : 0),
      originalTopics: [...new Set([...(group?.originalTopics ?? []), topic])].sort(),
      firstSeen:
        group === undefined || letter.failedAt < group.firstSeen
          ? letter.failedAt
          : group.firstSeen,
      lastSeen:
        group === undefined || letter.failedAt > group.lastSeen ? letter.failedAt : group.lastSeen,
    });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** What an operator picked: named dead letters, or every one matching the filters. */
export type DeadLetterSelection =
  | { readonly ids: readonly string[] }
  | { readonly code?: string; readonly type?: string; readonly all?: boolean };

export type Selected =
  | { readonly ok: true; readonly entries: DeadLetterEntry[] }
  | { readonly ok: false; readonly missing: string[] };

/**
 * Resolves a selection. Ids must name dead letters of this group that are not purged. Filters
 * pick the ones still `parked` for a redrive (a re-driven one is re-driven again only by name)
 * and every unpurged one for a purge.
 */
export function selectDeadLetters(
  entries: readonly DeadLetterEntry[],
  selection: DeadLetterSelection,
  purpose: 'redrive' | 'purge',
): Selected {
  const live = entries.filter((e) => e.view.status !== 'purged');
  if ('ids' in selection) {
    const byId = new Map(live.map((e) => [e.view.id, e]));
    const missing = selection.ids.filter((id) => !byId.has(id));
    if (missing.length > 0) return { ok: false, missing };
    return { ok: true, entries: [...new Set(selection.ids)].flatMap((id) => byId.get(id) ?? []) };
  }
  return {
    ok: true,
    entries: live.filter(
      (e) =>
        (purpose === 'purge' || e.view.status === 'parked') &&
        (selection.code === undefined || e.view.error.code === selection.code) &&
        (selection.type === undefined || e.view.messageType === selection.type),
    ),
  };
}

export type RedrivePlan =
  | { readonly entry: DeadLetterEntry; readonly outcome: 'redrive'; readonly count: number }
  | {
      readonly entry: DeadLetterEntry;
      readonly outcome: 'refused';
      readonly count: number;
      readonly reason: string;
    };

/**
 * Which selected dead letters may be re-driven under the cap: a message re-driven `cap` times
 * already is refused (its next failure would only come back). `count` is the redrive count the
 * message would carry, or has reached when refused. Two dead letters of one message in one
 * request count against the same cap.
 */
export function planRedrives(entries: readonly DeadLetterEntry[], cap: number): RedrivePlan[] {
  const counts = new Map<string, number>();
  return entries.map((entry) => {
    const identity = entry.view.messageId ?? entry.view.id;
    const before = counts.get(identity) ?? entry.view.redriveCount;
    if (entry.view.original.topic === null)
      return {
        entry,
        outcome: 'refused',
        count: before,
        reason: `the dead letter has no ${DLT_HEADERS.originalTopic} header: nowhere to send it`,
      };
    if (before >= cap)
      return {
        entry,
        outcome: 'refused',
        count: before,
        reason: `re-driven ${before} time${before === 1 ? '' : 's'} already; the cap (DEAD_LETTER_REDRIVE_CAP) is ${cap}`,
      };
    counts.set(identity, before + 1);
    return { entry, outcome: 'redrive', count: before + 1 };
  });
}

/** Where a partition's records are: `low` is its first offset, `high` the next one to be written. */
export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/**
 * Per partition, the offset below which every record may be deleted once `purgedNow` (record
 * keys) are purged too: the first dead letter of any consumer group that is not purged, or the
 * end of the partition when there is none. Action records always follow the dead letter they are
 * about, so every one below that offset is about a dead letter below it. Only partitions where
 * something would be deleted are listed.
 */
export function trimmablePrefixes(
  records: readonly RawRecord[],
  ranges: readonly PartitionRange[],
  purgedNow: ReadonlySet<string>,
): Array<{ topic: string; partition: number; before: string }> {
  const sorted = [...records].sort(byOffset);
  const purged = new Set(purgedNow);
  for (const record of sorted) {
    const read = readAction(record);
    if (read?.action.action === 'purged') purged.add(where({ ...record, offset: read.target }));
  }
  const firstKept = new Map<string, bigint>();
  for (const record of sorted) {
    const partition = `${record.topic}/${record.partition}`;
    if (isActionRecord(record) || firstKept.has(partition) || purged.has(where(record))) continue;
    firstKept.set(partition, BigInt(record.offset));
  }
  return ranges.flatMap((range) => {
    const before = firstKept.get(`${range.topic}/${range.partition}`) ?? BigInt(range.high);
    return before > BigInt(range.low)
      ? [{ topic: range.topic, partition: range.partition, before: String(before) }]
      : [];
  });
}

/** `topic/partition/offset` of a record, the key `trimmablePrefixes` takes purged sets in. */
export function recordKey(record: { topic: string; partition: number; offset: string }): string {
  return where(record);
}
