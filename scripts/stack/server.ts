import type { ServerName } from './progress.ts';

export interface ServerStatus {
  up: boolean;
  /** Where clients connect, e.g. `127.0.0.1:59092`. */
  endpoint: string;
  /** Set when the stack started it and it is still running. */
  pid?: number;
  external: boolean;
}

/** What the CLI needs from each server module; one implementation per file (postgres, redis, kafka). */
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
