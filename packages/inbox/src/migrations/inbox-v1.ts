import type { FrozenMigration } from '@order-saga/persistence';

/**
 * The inbox table, version 1. FROZEN: databases have run this; change the schema by adding
 * inbox-v2.ts, never by editing this file (inbox-migrations.spec.ts pins its checksum).
 * `IF NOT EXISTS` because the services' first migrations created the same table before the
 * inbox shipped its own versions.
 */
export const INBOX_V1: FrozenMigration = {
  name: 'InboxV1_1732770000001',
  up: `
CREATE TABLE IF NOT EXISTS inbox (
  consumer     text        NOT NULL,
  message_id   uuid        NOT NULL,
  message_type text        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, message_id)
);
CREATE INDEX IF NOT EXISTS inbox_processed_at_idx ON inbox (processed_at);
`,
  down: 'DROP TABLE IF EXISTS inbox;',
};
