/**
 * One outbox table per service database. `id` is a bigserial so the relay publishes in commit
 * order per order (a later row for the same key always has a larger id once both are visible).
 */
export const OUTBOX_DDL = `
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
`;

/** Channel the writer notifies in the same transaction; delivered only when it commits. */
export const OUTBOX_CHANNEL = 'outbox_committed';
