// Child process: watches the saga topics (and their dead-letter twins) the way a client would,
// with a kafkajs consumer configured like the services' (maxWaitTimeInMs 100), and hands every
// record's identity and timestamps to the parent when asked. Runs apart from the parent so the
// moment a record is seen is not delayed by the parent's other work.
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { epochNow } from './http-client.ts';
import type { ObservedBatch, ObserverCommand, ObserverMessage } from './load-protocol.ts';

// kafkajs 2.2.4 calls setTimeout with a negative delay; Node >= 23 warns and uses 1 ms.
process.removeAllListeners('warning');

let consumer: Consumer | undefined;
let pending = emptyBatch(0);
/** Orders someone waits for (await-outcome), and the outcomes already seen of recent orders. */
const awaited = new Map<string, number>();
const outcomeSeenAt = new Map<string, number>();
const OUTCOME_TYPES = new Set(['orders.order-fulfilled.v1', 'orders.order-cancelled.v1']);
const RECENT_OUTCOMES = 10_000;

function outcomeArrived(orderId: string, receivedAt: number): void {
  if (outcomeSeenAt.has(orderId)) return;
  if (outcomeSeenAt.size >= RECENT_OUTCOMES) outcomeSeenAt.clear();
  outcomeSeenAt.set(orderId, receivedAt);
  const requestId = awaited.get(orderId);
  if (requestId === undefined) return;
  awaited.delete(orderId);
  send({ kind: 'outcome', requestId, orderId, receivedAt });
}

function emptyBatch(requestId: number): Omit<
  ObservedBatch,
  'ceTime' | 'kafkaTime' | 'receivedAt'
> & {
  ceTime: number[];
  kafkaTime: number[];
  receivedAt: number[];
} {
  return {
    kind: 'observed',
    requestId,
    topic: [],
    type: [],
    key: [],
    ceId: [],
    ceTime: [],
    kafkaTime: [],
    receivedAt: [],
    dltCode: [],
  };
}

function header(headers: Record<string, unknown> | undefined, name: string): string {
  const raw = headers?.[name];
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (Buffer.isBuffer(first)) return first.toString('utf8');
  return typeof first === 'string' ? first : '';
}

function send(message: ObserverMessage): void {
  process.send?.(message);
}

async function start(command: Extract<ObserverCommand, { kind: 'start' }>): Promise<void> {
  const kafka = new Kafka({
    clientId: 'bench-observer',
    brokers: command.brokers,
    logLevel: logLevel.NOTHING,
  });
  consumer = kafka.consumer({ groupId: command.groupId, maxWaitTimeInMs: 100 });
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (!assigned) {
      assigned = true;
      send({ kind: 'ready' });
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topics: command.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: command.partitionsConsumedConcurrently,
    eachBatch: ({ batch }) => {
      const receivedAt = epochNow();
      for (const message of batch.messages) {
        const headers = message.headers as Record<string, unknown> | undefined;
        const ceTime = Date.parse(header(headers, 'ce_time'));
        pending.topic.push(batch.topic);
        pending.type.push(header(headers, 'ce_type'));
        pending.key.push(message.key?.toString('utf8') ?? '');
        pending.ceId.push(header(headers, 'ce_id'));
        pending.ceTime.push(Number.isNaN(ceTime) ? Number.NaN : ceTime);
        pending.kafkaTime.push(Number(message.timestamp));
        pending.receivedAt.push(receivedAt);
        pending.dltCode.push(header(headers, 'dlt-error-code'));
        if (OUTCOME_TYPES.has(header(headers, 'ce_type')) && !batch.topic.endsWith('.dlt'))
          outcomeArrived(message.key?.toString('utf8') ?? '', receivedAt);
      }
      return Promise.resolve();
    },
  });
}

process.on('message', (message: ObserverCommand) => {
  switch (message.kind) {
    case 'start':
      start(message).catch((error: unknown) =>
        send({ kind: 'failed', error: error instanceof Error ? error.message : String(error) }),
      );
      return;
    case 'collect': {
      const batch = pending;
      pending = emptyBatch(0);
      send({
        ...batch,
        requestId: message.requestId,
        ceTime: Float64Array.from(batch.ceTime),
        kafkaTime: Float64Array.from(batch.kafkaTime),
        receivedAt: Float64Array.from(batch.receivedAt),
      });
      return;
    }
    case 'await-outcome': {
      const seenAt = outcomeSeenAt.get(message.orderId);
      if (seenAt === undefined) awaited.set(message.orderId, message.requestId);
      else
        send({
          kind: 'outcome',
          requestId: message.requestId,
          orderId: message.orderId,
          receivedAt: seenAt,
        });
      return;
    }
    case 'exit':
      void (consumer?.disconnect() ?? Promise.resolve()).finally(() => process.disconnect());
      return;
  }
});
