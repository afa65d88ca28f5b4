// Before/after state of everything the benchmark reads per phase: each service's /metrics and
// the CPU time of every process that does the work (services, PostgreSQL, Kafka, Redis, the
// benchmark's own processes) plus the machine as a whole.
import { scrape, type Scrape } from './prometheus.ts';
import { machineCpu, processCpu, type MachineCpu } from './proc.ts';
import { epochNow } from './http-client.ts';

export interface ProcessSet {
  readonly services: Record<string, { url: string; pid: number | undefined }>;
  /**
   * PostgreSQL processes that work for this run: the backends connected to its databases and
   * the server's own background processes (WAL writer, checkpointer...). Other backends belong
   * to whoever else uses the shared server and are left out.
   */
  readonly postgres: () => Promise<number[]>;
  /** Transactions (commits + rollbacks) so far per service database, from pg_stat_database. */
  readonly transactions: () => Promise<Record<string, number>>;
  readonly kafka: number | undefined;
  readonly redis: number | undefined;
  readonly bench: readonly (number | undefined)[];
}

export interface CpuSample {
  /** CPU seconds used so far, per process group. */
  readonly cpu: Record<string, number>;
  readonly machine: MachineCpu;
}

export interface Snapshot extends CpuSample {
  readonly at: number;
  readonly metrics: Record<string, Scrape>;
  /** CPU seconds used so far by each PostgreSQL process of this run, by pid. */
  readonly postgres: ReadonlyMap<number, number>;
  readonly transactions: Record<string, number>;
}

export function cpuNow(processes: ProcessSet): CpuSample {
  const cpu: Record<string, number> = {};
  for (const [name, { pid }] of Object.entries(processes.services)) cpu[name] = processCpu(pid);
  cpu['kafka'] = processCpu(processes.kafka);
  cpu['redis'] = processCpu(processes.redis);
  const own = process.cpuUsage();
  let bench = (own.user + own.system) / 1e6;
  for (const pid of processes.bench) bench += processCpu(pid);
  cpu['bench'] = bench;
  return { cpu, machine: machineCpu() };
}

/** CPU seconds PostgreSQL spent for this run between two snapshots (new backends from zero). */
export function postgresDelta(before: Snapshot, after: Snapshot): number {
  let total = 0;
  for (const [pid, used] of after.postgres)
    total += Math.max(0, used - (before.postgres.get(pid) ?? 0));
  return total;
}

export async function takeSnapshot(processes: ProcessSet): Promise<Snapshot> {
  const postgres = new Map<number, number>();
  for (const pid of await processes.postgres().catch(() => [])) postgres.set(pid, processCpu(pid));
  const transactions = await processes.transactions().catch(() => ({}));
  const metrics: Record<string, Scrape> = {};
  await Promise.all(
    Object.entries(processes.services).map(async ([name, { url }]) => {
      metrics[name] = await scrape(url).catch(() => new Map<string, number>());
    }),
  );
  return { at: epochNow(), metrics, postgres, transactions, ...cpuNow(processes) };
}

/**
 * CPU seconds per process group between two snapshots, plus `others`: what the machine spent
 * beyond every process of this run (other users of the machine).
 */
export function cpuDelta(before: Snapshot, after: Snapshot): Record<string, number> {
  const used: Record<string, number> = {};
  for (const name of Object.keys(after.cpu))
    used[name] = (after.cpu[name] ?? 0) - (before.cpu[name] ?? 0);
  used['postgres'] = postgresDelta(before, after);
  const machineBusy = after.machine.busy - before.machine.busy;
  used['others'] = Math.max(0, machineBusy - Object.values(used).reduce((a, b) => a + b, 0));
  return used;
}
