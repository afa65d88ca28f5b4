import { rmSync } from 'node:fs';
import { ownedPid, stopProcess, type Ownership, type StopOptions } from './processes.ts';
import type { ServerName } from './progress.ts';

export interface ServerStatus {
  up: boolean;
  /** Where clients connect, e.g. `127.0.0.1:59092`. */
  endpoint: string;
  /** Set when the stack started it and it is still running. */
  pid?: number;
  external: boolean;
}

/** What the CLI needs from each server module; one implementation per file (postgres, redis, kafka, zipkin, prometheus). */
export interface StackServer {
  name: ServerName;
  /** Whether this server is provided from outside (env URL) instead of started by the stack. */
  external: boolean;
  logFile: string;
  /** Starts it (or verifies the running/external one answers) and returns a one-line summary. */
  up(): Promise<string>;
  /** Stops it if (and only if) the stack started it; returns a one-line summary. */
  down(): Promise<string>;
  status(): Promise<ServerStatus>;
}

/** Where the stack keeps track of a server it starts itself (or that it is external). */
export interface OwnedServer {
  readonly external: boolean;
  readonly pidFile: string;
  readonly owner: Ownership;
}

/**
 * A server's `down`: stops it if (and only if) the stack started it. `removePidFile` for the
 * servers whose pid file the stack writes (a server that writes its own removes it on exit).
 */
export async function stopOwnedServer(
  server: OwnedServer,
  stop: StopOptions & { readonly removePidFile?: boolean; readonly removeStale?: boolean },
): Promise<string> {
  if (server.external) return 'external, left running';
  const pid = ownedPid(server.pidFile, server.owner, stop.removeStale ?? true);
  if (pid === undefined) return 'not running';
  const how = await stopProcess(pid, stop);
  if (stop.removePidFile === true) rmSync(server.pidFile, { force: true });
  return `${how} (pid ${pid})`;
}

/** A server's `status`: up when it is external or ours and `answers` (a failure counts as no). */
export async function ownedServerStatus(
  server: OwnedServer,
  endpoint: string,
  answers: () => Promise<boolean>,
): Promise<ServerStatus> {
  const pid = server.external ? undefined : ownedPid(server.pidFile, server.owner, false);
  const up = (server.external || pid !== undefined) && (await answers().catch(() => false));
  return { up, endpoint, external: server.external, ...(pid === undefined ? {} : { pid }) };
}
