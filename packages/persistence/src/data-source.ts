import { Client } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Logger } from '@order-saga/observability';
import { classifyPoolTimeouts, pgPoolOf } from './pool-saturation';

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly entities: NonNullable<DataSourceOptions['entities']>;
  readonly migrations: NonNullable<DataSourceOptions['migrations']>;
  readonly logger: Logger;
}

// Replicas booting together must not run the same migration twice; they queue on this lock.
const MIGRATION_LOCK_KEY = 7_311_845_001;

// A database host that does not answer (not scheduled yet, a partition) fails the attempt within
// seconds, so a booting service reports it and tries again; without a bound it waits for the OS.
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Opens the service's database and applies pending migrations (never `synchronize`). Migrations
 * run under a session-level advisory lock held on a dedicated connection. A failed attempt leaves
 * nothing open, so a booting service can simply call it again (see waitForDependency).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DataSource> {
  const lock = new Client({
    connectionString: options.url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A connection lost between two queries (the database restarting mid-boot) is emitted as
  // 'error', which ends the process when nobody listens; the next query rejects with it, and that
  // rejection is what the caller sees and retries.
  lock.on('error', () => undefined);
  try {
    await lock.connect();
  } catch (error) {
    await lock.end().catch(() => undefined);
    throw error;
  }
  let dataSource: DataSource | undefined;
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    dataSource = new DataSource({
      type: 'postgres',
      url: options.url,
      entities: options.entities,
      migrations: options.migrations,
      synchronize: false,
      migrationsRun: false,
      extra: {
        max: options.poolSize,
        // Also a checkout's wait: a database that does not answer is reported as unavailable in
        // seconds; a full pool whose connections still come back is reported as saturated.
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
      },
    });
    await dataSource.initialize();
    // A queue timeout while the database answers is saturation, not an outage (see there).
    const pool = pgPoolOf(dataSource);
    if (pool !== undefined) classifyPoolTimeouts(pool);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied)
      options.logger.info({ migration: migration.name }, 'db.migrated');
    return dataSource;
  } catch (error) {
    if (dataSource?.isInitialized === true) await dataSource.destroy().catch(() => undefined);
    throw error;
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
