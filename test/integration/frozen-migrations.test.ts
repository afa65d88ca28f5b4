import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INBOX_MIGRATIONS, INBOX_V1 } from '@order-saga/inbox';
import { OUTBOX_MIGRATIONS, OUTBOX_V1 } from '@order-saga/outbox';
import { openDatabase, queryRows } from '@order-saga/persistence';
import { scratch, type Scratch } from './support/scratch.ts';

// Before the outbox and inbox shipped their own versions, each service's first migration ran
// their DDL itself. This is such a migration, as it was released.
class LegacyCreate1732780000000 implements MigrationInterface {
  name = 'LegacyCreate1732780000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE things (id int PRIMARY KEY)');
    await queryRunner.query(OUTBOX_V1.up);
    await queryRunner.query(INBOX_V1.up);
  }
  async down(): Promise<void> {}
}

let s: Scratch;

beforeAll(async () => {
  s = await scratch('migrations');
});

afterAll(async () => {
  await s?.dispose();
});

async function columns(table: string): Promise<string[]> {
  const rows = await queryRows<{ column_name: string }>(
    s.db,
    `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((row) => row.column_name);
}

describe('frozen package migrations', () => {
  it('upgrade a database whose tables an older service migration created, keeping its rows', async () => {
    const before = await openDatabase({
      url: s.url,
      poolSize: 2,
      entities: [],
      migrations: [LegacyCreate1732780000000],
      logger: s.logger,
    });
    await before.query(
      `INSERT INTO inbox (consumer, message_id, message_type) VALUES ('c', gen_random_uuid(), 't')`,
    );
    await before.destroy();

    const after = await openDatabase({
      url: s.url,
      poolSize: 2,
      entities: [],
      migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, LegacyCreate1732780000000],
      logger: s.logger,
    });
    const applied = await queryRows<{ name: string }>(
      after,
      'SELECT name FROM migrations ORDER BY id',
    );
    await after.destroy();

    expect(applied.map((row) => row.name)).toEqual([
      'LegacyCreate1732780000000',
      'OutboxV1_1732770000000',
      'InboxV1_1732770000001',
    ]);
    const [inbox] = await queryRows<{ n: string }>(s.db, 'SELECT count(*) AS n FROM inbox');
    expect(Number(inbox?.n)).toBe(1);
    expect(await columns('outbox')).toEqual([
      'id',
      'message_id',
      'topic',
      'message_key',
      'message_type',
      'headers',
      'payload',
      'created_at',
      'published_at',
    ]);
  });
});
