import { tailFile } from './processes.ts';
import { shown } from './paths.ts';

export type ServerName = 'pg' | 'redis' | 'kafka' | 'zipkin' | 'prometheus';

/** A failure the CLI reports as a message (plus the server log's tail), not as a stack trace. */
export class StackError extends Error {
  readonly logFile: string | undefined;

  constructor(message: string, logFile?: string) {
    super(message);
    this.name = 'StackError';
    this.logFile = logFile;
  }
}

export function say(server: ServerName, message: string): void {
  console.log(`${server.padEnd(10)} ${message}`);
}

export function seconds(sinceMs: number): string {
  return `${((performance.now() - sinceMs) / 1000).toFixed(1)}s`;
}

export interface WaitOptions<T> {
  server: ServerName;
  /** Shown in progress lines: "kafka: waiting for metadata… 3.1s". */
  what: string;
  /** Resolves to a value when ready, undefined (or throws) when not yet. */
  probe: () => Promise<T | undefined>;
  timeoutMs: number;
  /** If the process we started has died there is no point waiting for the timeout. */
  isAlive?: () => boolean;
  logFile?: string;
}

const POLL_INTERVAL_MS = 250;
// One line every few seconds: readable in CI logs (no TTY tricks) yet shows it is not stuck.
const PROGRESS_EVERY_MS = 3000;

export async function waitFor<T>(options: WaitOptions<T>): Promise<T> {
  const started = performance.now();
  let lastProgress = started;
  let lastError = 'no answer yet';
  for (;;) {
    try {
      const value = await options.probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    const now = performance.now();
    if (options.isAlive && !options.isAlive()) {
      throw new StackError(
        `${options.server}: the process exited while ${options.what}`,
        options.logFile,
      );
    }
    if (now - started > options.timeoutMs) {
      throw new StackError(
        `${options.server}: timed out after ${seconds(started)} ${options.what} (last error: ${lastError})`,
        options.logFile,
      );
    }
    if (now - lastProgress >= PROGRESS_EVERY_MS) {
      say(options.server, `${options.what}… ${seconds(started)}`);
      lastProgress = now;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Awaits `work`, printing "<server> <what>… 6.0s" every few seconds so long steps look alive. */
export async function withProgress<T>(
  server: ServerName,
  what: string,
  work: Promise<T>,
): Promise<T> {
  const started = performance.now();
  say(server, `${what}…`);
  const timer = setInterval(() => say(server, `${what}… ${seconds(started)}`), PROGRESS_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Prints a failure the way every command does: message, then the last log lines if any. */
export function reportFailure(error: unknown): void {
  if (error instanceof StackError) {
    console.error(`✗ ${error.message}`);
    if (error.logFile) {
      const tail = tailFile(error.logFile, 30);
      if (tail !== '') console.error(`--- last lines of ${shown(error.logFile)} ---\n${tail}\n---`);
    }
    return;
  }
  console.error(error);
}
