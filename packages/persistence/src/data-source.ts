import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Logger } from '@order-saga/observability';

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly entities: NonNullable<DataSourceOptions['entities']>;
  readonly migrations: NonNullable<DataSourceOptions['migrations']>;
  readonly logger: Logger;
}

// Replicas booting together must not run the same migration twice; they queue on this lock.
const MIGRATION_LOCK_KEY = 7_311_845_001;

/**
 * Opens the service's database and applies pending migrations (never `synchronize`). Migrations
 * run under a session-level advisory lock held on a dedicated connection.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const lock = new Client({ connectionString: options.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      entities: options.entities,
      migrations: options.migrations,
      synchronize: false,
      migrationsRun: false,
      extra: {
        max: options.poolSize,
        // A database that does not answer (a partition, a host gone) must fail a checkout within
        // seconds, so it is reported as unavailable; without a bound it waits for the OS.
        connectionTimeoutMillis: 5_000,
        keepAlive: true,
      },
    });
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied)
      options.logger.info({ migration: migration.name }, 'db.migrated');
    return dataSource;
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
