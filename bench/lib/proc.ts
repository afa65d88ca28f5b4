// CPU accounting from /proc (Linux): per process, per process tree, and for the whole machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc/<pid>/stat times (100 on every mainstream Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

interface ProcStat {
  readonly pid: number;
  /** utime + stime, seconds. */
  readonly cpuSeconds: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name come state (field 3) ... utime (14) and stime (15): index = field - 3.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { pid, cpuSeconds: (utime + stime) / clockTicks() };
  } catch {
    return undefined; // exited
  }
}

/** CPU seconds used so far by a process, 0 if it is gone. */
export function processCpu(pid: number | undefined): number {
  return pid === undefined ? 0 : (readStat(pid)?.cpuSeconds ?? 0);
}

export interface MachineCpu {
  /** Seconds of all CPUs together. */
  readonly busy: number;
  readonly total: number;
}

export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest is inside user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / clockTicks(), total: (busy + idle + iowait) / clockTicks() };
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly loadAverage: readonly number[];
}

export function machineInfo(): MachineInfo {
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    loadAverage: load,
  };
}
