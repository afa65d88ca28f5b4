// Process bookkeeping shared by the servers: pid files, "is this pid really ours?",
// graceful stop with escalation, log tails, port checks.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { connect } from 'node:net';

export function readPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  // postmaster.pid has more lines (data dir, port, ...); the pid is always the first.
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but owned by someone else (still alive).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Ownership {
  /** Every server we start runs with its state dir as working directory (Redis/PostgreSQL chdir there). */
  cwd: string;
  /** Substring of its command line, e.g. `kafka.Kafka` or `redis-server`. */
  marker: string;
}

/**
 * A pid file can outlive its process and the pid be reused by something unrelated; killing that
 * would be a nasty surprise. So a pid is ours only if the process runs in our state directory
 * and its command line looks like the server we started.
 */
export function isOurProcess(pid: number, owner: Ownership): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    return cmdline.includes(owner.marker) && cwd === realpathSync(owner.cwd);
  } catch {
    return false; // no /proc (not Linux) or not readable: never claim a process we cannot verify
  }
}

/** Our pid from `file`, or undefined; a stale pid file (dead or reused pid) is removed. */
export function ownedPid(file: string, owner: Ownership, removeStale = true): number | undefined {
  const pid = readPidFile(file);
  if (pid === undefined) return undefined;
  if (isOurProcess(pid, owner)) return pid;
  // Stale only if we could check: dead, or alive but verifiably something else (pid reuse).
  const checkable = !isAlive(pid) || existsSync(`/proc/${pid}/cmdline`);
  if (removeStale && checkable) rmSync(file, { force: true });
  return undefined;
}

export interface StopOptions {
  signal: NodeJS.Signals;
  timeoutMs: number;
}

/** Sends `signal`, waits up to timeoutMs for exit, then SIGKILL. Resolves to how it ended. */
export async function stopProcess(
  pid: number,
  options: StopOptions,
): Promise<'stopped' | 'killed'> {
  try {
    process.kill(pid, options.signal);
  } catch {
    return 'stopped';
  }
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
  return 'killed';
}

export function tailFile(file: string, lines: number): string {
  if (!existsSync(file)) return '';
  const content = readFileSync(file, 'utf8').trimEnd();
  return content.split('\n').slice(-lines).join('\n');
}

/** True if something accepts TCP connections there (used to refuse clobbering a foreign server). */
export function isPortInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface CommandResult {
  code: number;
  output: string;
}

export interface RunOptions {
  cwd?: string;
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion, capturing stdout+stderr (shown only when it fails). */
export function runCommand(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => resolve({ code: -1, output: `${output}${error.message}` }));
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
