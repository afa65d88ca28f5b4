import { namedStatement, queryRows, type SqlExecutor } from '@order-saga/persistence';

// The inbox records which messages a consumer has applied, in the same transaction as their
// effects. Kafka delivers at least once; the inbox turns that into exactly-once effects.

// Named: the claim runs once per consumed message (docs/performance.md, Named statements).
const CLAIM = namedStatement(
  `INSERT INTO inbox (consumer, message_id, message_type) VALUES ($1, $2, $3)
   ON CONFLICT DO NOTHING RETURNING message_id`,
);
const CONTAINS = namedStatement(
  'SELECT 1 AS found FROM inbox WHERE consumer = $1 AND message_id = $2',
);

/**
 * Claims a message for `consumer` inside the caller's transaction. Returns false when it was
 * already applied (a redelivery): the caller must then skip every effect. A concurrent claim of
 * the same id blocks on the primary key until the other transaction ends, so two replicas can
 * never both apply it.
 */
export async function claimInboxMessage(
  tx: SqlExecutor,
  consumer: string,
  message: { readonly id: string; readonly type: string },
): Promise<boolean> {
  const rows = await queryRows<{ message_id: string }>(tx, CLAIM, [
    consumer,
    message.id,
    message.type,
  ]);
  return rows.length === 1;
}

/**
 * Whether `consumer` already applied a message. For handlers that must call out (HTTP) before
 * their final transaction: it lets a redelivery skip the call; the claim in the final
 * transaction still decides, so two concurrent deliveries cannot both apply.
 */
export async function inboxContains(
  db: SqlExecutor,
  consumer: string,
  messageId: string,
): Promise<boolean> {
  const rows = await queryRows<{ found: number }>(db, CONTAINS, [consumer, messageId]);
  return rows.length > 0;
}
