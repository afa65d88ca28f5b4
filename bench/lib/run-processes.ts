// Which processes' CPU counts as this run's, and where its PostgreSQL transactions are read: the
// stack is shared with other users of the machine, so only this run's backends and databases
// are counted; what else the machine spends is reported as noise.
import { Client } from 'pg';
import type { RunningService, SagaSystem } from '../../scripts/system/saga-system.ts';
import type { RunResources } from './run-resources.ts';
import type { ProcessSet } from './snapshot.ts';

export interface RunProcessInputs {
  readonly system: SagaSystem;
  readonly services: readonly RunningService[];
  /** Service name → its database URL, for transactions per saga. */
  readonly serviceDatabases: Record<string, string>;
  /** A URL on the stack's PostgreSQL for the statistics queries. */
  readonly adminUrl: string;
  readonly kafkaPid: number | undefined;
  readonly redisPid: number | undefined;
  /** The benchmark's own child processes. */
  readonly benchPids: readonly (number | undefined)[];
}

/** Connects the admin client the PostgreSQL queries use; `resources` closes it. */
export async function runProcessSet(
  input: RunProcessInputs,
  resources: RunResources,
): Promise<ProcessSet> {
  const { system: sys, serviceDatabases } = input;
  const pgAdmin = new Client({ connectionString: input.adminUrl });
  await pgAdmin.connect();
  resources.closers.push(() => pgAdmin.end());

  return {
    services: Object.fromEntries(
      input.services.map((service) => [
        service.name,
        { url: service.url, pid: service.process.pid },
      ]),
    ),
    postgres: async () => {
      const result = await pgAdmin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
           WHERE datname = ANY($1::text[]) OR backend_type <> 'client backend'`,
        [Object.values(sys.databases).map((url) => new URL(url).pathname.slice(1))],
      );
      return result.rows.map((row) => row.pid);
    },
    transactions: async () => {
      const names = Object.entries(serviceDatabases).map(
        ([service, url]) => [new URL(url).pathname.slice(1), service] as const,
      );
      const result = await pgAdmin.query<{ datname: string; n: string }>(
        `SELECT datname, xact_commit + xact_rollback AS n FROM pg_stat_database
           WHERE datname = ANY($1::text[])`,
        [names.map(([db]) => db)],
      );
      const byDb = new Map(names);
      return Object.fromEntries(
        result.rows.map((row) => [byDb.get(row.datname) ?? row.datname, Number(row.n)]),
      );
    },
    kafka: input.kafkaPid,
    redis: input.redisPid,
    bench: input.benchPids,
  };
}
