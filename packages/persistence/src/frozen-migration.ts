import { createHash } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One schema version a package ships (the outbox table, the inbox table). It is frozen the day it
 * is released: a database that ran it must never see it change, so a package changes its schema
 * only by adding the next version. Services list a package's versions next to their own
 * migrations; TypeORM records each by `name` and runs it once per database.
 */
export interface FrozenMigration {
  /** TypeORM's key for it: a name ending in a 13-digit JavaScript timestamp, e.g. `OutboxV1_1732770000000`. */
  readonly name: string;
  readonly up: string;
  readonly down: string;
}

export type MigrationClass = new () => MigrationInterface;

/** The class TypeORM expects, built from one frozen version. */
export function frozenMigration(migration: FrozenMigration): MigrationClass {
  if (!/\d{13}$/.test(migration.name))
    throw new Error(`migration ${migration.name} must end in a 13-digit timestamp`);
  return class implements MigrationInterface {
    readonly name = migration.name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(migration.up);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(migration.down);
    }
  };
}

/**
 * The checksum a package's spec pins for each released version (sha256 of `up`, then `down`).
 * A test comparing it is what keeps a frozen migration frozen: editing one fails the build.
 */
export function migrationChecksum(migration: FrozenMigration): string {
  return createHash('sha256')
    .update(migration.up)
    .update('\0')
    .update(migration.down)
    .digest('hex');
}
