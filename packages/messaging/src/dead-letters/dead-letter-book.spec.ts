import { describe, expect, it } from 'vitest';
import {
  deadLetterId,
  foldDeadLetters,
  groupDeadLetters,
  parseDeadLetterId,
  planRedrives,
  recordKey,
  selectDeadLetters,
  trimmablePrefixes,
  type RawRecord,
} from './dead-letter-book';
import { DLT_HEADERS } from './dead-letter-headers';

const PREFIX = 't-run.';
const TOPIC = `${PREFIX}orders.events.dlt`;
const GROUP = `${PREFIX}payments-adapter`;

function headers(values: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v)]));
}

function deadLetter(
  offset: number,
  options: {
    code?: string;
    type?: string;
    id?: string;
    group?: string;
    partition?: number;
    extra?: Record<string, string>;
    value?: Buffer;
  } = {},
): RawRecord {
  return {
    topic: TOPIC,
    partition: options.partition ?? 0,
    offset: String(offset),
    timestamp: String(Date.UTC(2026, 11, 1, 10, 0, offset)),
    key: Buffer.from(`order-${offset}`),
    value: options.value ?? Buffer.from('{"ok":true}'),
    headers: headers({
      ...(options.type === undefined ? {} : { ce_type: options.type }),
      ...(options.id === undefined ? {} : { ce_id: options.id }),
      [DLT_HEADERS.originalTopic]: `${PREFIX}orders.events`,
      [DLT_HEADERS.originalPartition]: String(options.partition ?? 0),
      [DLT_HEADERS.originalOffset]: String(offset * 10),
      [DLT_HEADERS.consumerGroup]: options.group ?? GROUP,
      [DLT_HEADERS.errorCode]: options.code ?? 'PROVIDER.REJECTED',
      [DLT_HEADERS.errorMessage]: 'no',
      [DLT_HEADERS.failedAt]: new Date(Date.UTC(2026, 11, 1, 10, 0, offset)).toISOString(),
      ...options.extra,
    }),
  };
}

function action(offset: number, target: number, kind: 'redriven' | 'purged', partition = 0) {
  return {
    topic: TOPIC,
    partition,
    offset: String(offset),
    timestamp: String(Date.UTC(2026, 11, 1, 11)),
    key: null,
    value: Buffer.from(JSON.stringify({ action: kind, at: '2026-12-01T11:00:00.000Z', by: 'ops' })),
    headers: headers({ [DLT_HEADERS.action]: kind, [DLT_HEADERS.actionTarget]: String(target) }),
  } satisfies RawRecord;
}

describe('dead-letter ids', () => {
  it('name a record by its unprefixed topic, partition and offset, and parse back', () => {
    const id = deadLetterId(TOPIC, PREFIX, 3, '17');
    expect(id).toBe('orders.events.dlt:3:17');
    expect(parseDeadLetterId(id, PREFIX)).toEqual({ topic: TOPIC, partition: 3, offset: '17' });
    for (const bad of ['orders.events:3:17', 'orders.events.dlt:3', 'orders.events.dlt:-1:2', ''])
      expect(parseDeadLetterId(bad, PREFIX), bad).toBeUndefined();
  });
});

describe('foldDeadLetters', () => {
  it('keeps this group’s dead letters, with status from the action records after them', () => {
    const records = [
      action(4, 1, 'redriven'),
      deadLetter(0, { id: 'm-0' }),
      deadLetter(1, { id: 'm-1' }),
      deadLetter(2, { id: 'm-2', group: `${PREFIX}fulfillment-service` }),
      deadLetter(3, { id: 'm-3' }),
      action(5, 3, 'purged'),
    ];
    const letters = foldDeadLetters(records, GROUP, PREFIX).map((e) => e.view);
    expect(letters.map((l) => [l.id, l.status, l.redriveCount])).toEqual([
      ['orders.events.dlt:0:0', 'parked', 0],
      ['orders.events.dlt:0:1', 'redriven', 1],
      ['orders.events.dlt:0:3', 'purged', 0],
    ]);
    const [first] = letters;
    expect(first?.original).toEqual({ topic: `${PREFIX}orders.events`, partition: 0, offset: '0' });
    expect(first?.key).toBe('order-0');
    // The failure headers are shown as fields, not repeated among the message's own headers.
    expect(first?.headers).toEqual({ ce_id: 'm-0' });
  });

  it('counts a message’s redrives across its dead letters, and the count it inherited', () => {
    // m-1 dead-lettered, re-driven, failed again (the new dead letter inherits count 1).
    const again = deadLetter(2, { id: 'm-1', extra: { [DLT_HEADERS.redriveCount]: '1' } });
    const letters = foldDeadLetters(
      [deadLetter(1, { id: 'm-1' }), action(3, 1, 'redriven'), again],
      GROUP,
      PREFIX,
    ).map((e) => e.view);
    expect(letters.map((l) => [l.status, l.redriveCount, l.seen.times])).toEqual([
      ['redriven', 1, 2],
      ['parked', 1, 2],
    ]);
    // Once the first is purged and deleted, the count still travels with the message.
    const alone = foldDeadLetters([again], GROUP, PREFIX)[0]?.view;
    expect(alone?.redriveCount).toBe(1);
  });

  it('shows a value that is not UTF-8 as base64, losslessly', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const [entry] = foldDeadLetters([deadLetter(0, { value: bytes })], GROUP, PREFIX);
    expect(entry?.view.payloadEncoding).toBe('base64');
    expect(Buffer.from(entry?.view.payload ?? '', 'base64').equals(bytes)).toBe(true);
  });
});

describe('groupDeadLetters', () => {
  it('counts per error code and type, largest first, with first and last seen', () => {
    const entries = foldDeadLetters(
      [
        deadLetter(0, { code: 'ENVELOPE.INVALID_JSON' }),
        deadLetter(1, { code: 'PROVIDER.REJECTED', type: 'orders.order-created.v1' }),
        deadLetter(2, { code: 'PROVIDER.REJECTED', type: 'orders.order-created.v1' }),
        action(3, 2, 'redriven'),
      ],
      GROUP,
      PREFIX,
    );
    expect(groupDeadLetters(entries.map((e) => e.view))).toEqual([
      {
        code: 'PROVIDER.REJECTED',
        type: 'orders.order-created.v1',
        count: 2,
        parked: 1,
        redriven: 1,
        originalTopics: [`${PREFIX}orders.events`],
        firstSeen: '2026-12-01T10:00:01.000Z',
        lastSeen: '2026-12-01T10:00:02.000Z',
      },
      expect.objectContaining({ code: 'ENVELOPE.INVALID_JSON', type: null, count: 1 }),
    ]);
  });
});

describe('selectDeadLetters and planRedrives', () => {
  const entries = foldDeadLetters(
    [
      deadLetter(0, { id: 'a', code: 'X' }),
      deadLetter(1, { id: 'b', code: 'X' }),
      action(2, 1, 'redriven'),
      deadLetter(3, { id: 'c', code: 'Y' }),
      action(4, 3, 'purged'),
    ],
    GROUP,
    PREFIX,
  );

  it('a filter picks only dead letters never re-driven for a redrive, any unpurged for a purge', () => {
    const ids = (s: ReturnType<typeof selectDeadLetters>) =>
      s.ok ? s.entries.map((e) => e.view.id) : s.missing;
    expect(ids(selectDeadLetters(entries, { code: 'X' }, 'redrive'))).toEqual([
      'orders.events.dlt:0:0',
    ]);
    expect(ids(selectDeadLetters(entries, { all: true }, 'purge'))).toEqual([
      'orders.events.dlt:0:0',
      'orders.events.dlt:0:1',
    ]);
    // By name, a re-driven one can be re-driven again; a purged one is gone.
    const named = selectDeadLetters(entries, { ids: ['orders.events.dlt:0:1'] }, 'redrive');
    expect(ids(named)).toEqual(['orders.events.dlt:0:1']);
    expect(selectDeadLetters(entries, { ids: ['orders.events.dlt:0:3'] }, 'redrive')).toEqual({
      ok: false,
      missing: ['orders.events.dlt:0:3'],
    });
  });

  it('refuses a message re-driven `cap` times already, counting within the request too', () => {
    const b = entries.find((e) => e.view.messageId === 'b');
    const a = entries.find((e) => e.view.messageId === 'a');
    if (a === undefined || b === undefined) throw new Error('fixture');
    expect(planRedrives([a, b], 1).map((p) => [p.outcome, p.count])).toEqual([
      ['redrive', 1],
      ['refused', 1],
    ]);
    expect(planRedrives([b], 2).map((p) => [p.outcome, p.count])).toEqual([['redrive', 2]]);
    // The same message twice in one request: the second would pass the cap.
    expect(planRedrives([a, a], 1).map((p) => p.outcome)).toEqual(['redrive', 'refused']);
    const [none] = planRedrives([a], 0);
    expect(none?.outcome).toBe('refused');
    expect(none?.outcome === 'refused' ? none.reason : '').toContain('DEAD_LETTER_REDRIVE_CAP');
  });
});

describe('trimmablePrefixes', () => {
  const range = (partition: number, low: string, high: string) => ({
    topic: TOPIC,
    partition,
    low,
    high,
  });

  it('deletes only below the first dead letter, of any group, that is not purged', () => {
    const records = [
      deadLetter(0),
      action(1, 0, 'purged'),
      deadLetter(2, { group: `${PREFIX}fulfillment-service` }),
      deadLetter(3),
    ];
    // Nothing new purged: offsets 0-1 are handled, 2 (another group's) is not.
    expect(trimmablePrefixes(records, [range(0, '0', '4')], new Set())).toEqual([
      { topic: TOPIC, partition: 0, before: '2' },
    ]);
    // Purging 3 does not let the other group's 2 go.
    const three = new Set([recordKey(deadLetter(3))]);
    expect(trimmablePrefixes(records, [range(0, '0', '4')], three)).toEqual([
      { topic: TOPIC, partition: 0, before: '2' },
    ]);
    // With 2 purged as well, the whole partition goes, action records included.
    const all = new Set([recordKey(deadLetter(2)), recordKey(deadLetter(3))]);
    expect(trimmablePrefixes(records, [range(0, '0', '4')], all)).toEqual([
      { topic: TOPIC, partition: 0, before: '4' },
    ]);
  });

  it('lists no partition where nothing would go', () => {
    expect(
      trimmablePrefixes([deadLetter(5)], [range(0, '5', '6'), range(1, '0', '0')], new Set()),
    ).toEqual([]);
  });
});
