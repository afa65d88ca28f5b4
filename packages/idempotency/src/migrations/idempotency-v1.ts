import type { FrozenMigration } from '@order-saga/persistence';

/**
 * The idempotency record table, version 1. FROZEN: change the schema by adding
 * idempotency-v2.ts, never by editing this file (idempotency-migrations.spec.ts pins its checksum).
 *
 * One row per (client scope, key), written in the same transaction as the effect it guards (the
 * order), so the row exists exactly when the effect does. The stored body is the response text
 * byte for byte: a replay sends it unchanged.
 */
export const IDEMPOTENCY_V1: FrozenMigration = {
  name: 'IdempotencyV1_1764576000000',
  up: `
CREATE TABLE IF NOT EXISTS idempotency_keys (
  scope           text        NOT NULL,
  idempotency_key text        NOT NULL,
  fingerprint     char(64)    NOT NULL,
  status_code     smallint    NOT NULL,
  headers         jsonb       NOT NULL,
  body            text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
);
-- The sweeper deletes expired rows oldest first, in bounded batches.
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx ON idempotency_keys (expires_at);
`,
  down: 'DROP TABLE IF EXISTS idempotency_keys;',
};
