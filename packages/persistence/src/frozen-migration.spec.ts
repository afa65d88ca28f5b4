import { describe, expect, it } from 'vitest';
import type { QueryRunner } from 'typeorm';
import { frozenMigration, migrationChecksum } from './frozen-migration';

const v1 = { name: 'ThingV1_1732770000009', up: 'CREATE TABLE thing ()', down: 'DROP TABLE thing' };

describe('frozenMigration', () => {
  it('runs the frozen SQL up and down under its own name', async () => {
    const ran: string[] = [];
    const runner = { query: (sql: string) => Promise.resolve(void ran.push(sql)) };
    const migration = new (frozenMigration(v1))();
    await migration.up(runner as unknown as QueryRunner);
    await migration.down(runner as unknown as QueryRunner);
    expect(migration.name).toBe('ThingV1_1732770000009');
    expect(ran).toEqual(['CREATE TABLE thing ()', 'DROP TABLE thing']);
  });

  it('refuses a name TypeORM could not order', () => {
    expect(() => frozenMigration({ ...v1, name: 'ThingV1' })).toThrow(/13-digit timestamp/);
  });

  it('changes the checksum when a single character of the SQL changes', () => {
    expect(migrationChecksum({ ...v1, up: 'CREATE TABLE thing ( )' })).not.toBe(
      migrationChecksum(v1),
    );
  });
});
