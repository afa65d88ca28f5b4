import { encodeEnvelope, topicName, type Envelope } from '@order-saga/contracts';
import {
  execute,
  namedStatement,
  type NamedStatement,
  type SqlExecutor,
} from '@order-saga/persistence';
import { traceMessageCreation } from '@order-saga/observability';
import { OUTBOX_CHANNEL } from './outbox-channel';

// Named statements for the usual batch sizes (one text per row count); a larger batch is rare and
// sent as plain text, so a connection never holds more than this many outbox statements.
const NAMED_UP_TO = 8;
const named = new Map<number, NamedStatement>();

function insertStatement(count: number): string | NamedStatement {
  const cached = named.get(count);
  if (cached !== undefined) return cached;
  const rows = Array.from({ length: count }, (_, index) => {
    const p = index * 6;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::jsonb, $${p + 6})`;
  });
  // One round trip: the rows, and a notification that wakes the relay the moment this
  // transaction commits (NOTIFY is delivered at commit, never for a rollback).
  const text = `WITH inserted AS (
           INSERT INTO outbox (message_id, topic, message_key, message_type, headers, payload)
           VALUES ${rows.join(', ')} RETURNING 1)
         SELECT pg_notify($${count * 6 + 1}, '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_row`;
  if (count > NAMED_UP_TO) return text;
  const statement = namedStatement(text);
  named.set(count, statement);
  return statement;
}

/**
 * Appends messages to the outbox inside the caller's transaction, so a state change and the
 * messages it implies commit (or vanish) together. Envelopes were validated when created.
 * Each row's headers carry the trace context of its `create` span, a child of the current span
 * (the request or the consumer): the relay publishes the row as part of that trace.
 */
export class OutboxWriter {
  constructor(private readonly topicPrefix = '') {}

  async append(tx: SqlExecutor, envelopes: readonly Envelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const messages = envelopes.map((envelope) => {
      const encoded = encodeEnvelope(envelope);
      return { envelope, ...encoded, topic: topicName(encoded.topic, this.topicPrefix) };
    });
    await traceMessageCreation(messages, async () => {
      const values: unknown[] = [];
      for (const message of messages)
        values.push(
          message.envelope.id,
          message.topic,
          message.key,
          message.envelope.type,
          JSON.stringify(message.headers),
          message.value,
        );
      values.push(OUTBOX_CHANNEL);
      await execute(tx, insertStatement(messages.length), values);
    });
  }
}
