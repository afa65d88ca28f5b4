import type { FrozenMigration } from '@order-saga/persistence';

/**
 * One outbox table per service database, version 1. FROZEN: databases have run this; change the
 * schema by adding outbox-v2.ts, never by editing this file (outbox-migrations.spec.ts pins its
 * checksum). `IF NOT EXISTS` because the services' first migrations created the same table
 * before the outbox shipped its own versions.
 *
 * `id` is a bigserial so the relay publishes in commit order per order (a later row for the same
 * key always has a larger id once both are visible).
 */
export const OUTBOX_V1: FrozenMigration = {
  name: 'OutboxV1_1732770000000',
  up: `
CREATE TABLE IF NOT EXISTS outbox (
  id           bigserial   PRIMARY KEY,
  message_id   uuid        NOT NULL UNIQUE,
  topic        text        NOT NULL,
  message_key  text        NOT NULL,
  message_type text        NOT NULL,
  headers      jsonb       NOT NULL,
  payload      text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
-- The relay only ever scans unpublished rows; a partial index keeps that scan tiny.
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
`,
  down: 'DROP TABLE IF EXISTS outbox;',
};
