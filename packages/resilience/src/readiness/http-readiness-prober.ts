import { sleep } from '../retry/sleep';
import { ReadinessDebouncer, type ReadinessThresholds } from './readiness-debouncer';
import type { Readiness, ReadinessListener, ReadinessSource } from './readiness-source';

export interface HttpProbeOptions extends ReadinessThresholds {
  /** The dependency's readiness URL: 2xx is ready, anything else (or no answer) is not. */
  readonly url: string;
  /** From the end of one probe to the start of the next (milliseconds). */
  readonly intervalMs: number;
  /** A probe without an answer by then counts as not ready (milliseconds). */
  readonly timeoutMs: number;
}

const REASON_LIMIT = 200;

/**
 * Until the dependency has answered ready once, and for at most STARTUP_WINDOW_MS after start, it
 * is probed this often (or at intervalMs if shorter): services start together, and a provider
 * that comes up a moment after us should release the breaker's start-up hold within a tenth of a
 * second, not a whole interval later.
 */
export const STARTUP_INTERVAL_MS = 100;
export const STARTUP_WINDOW_MS = 10_000;

/**
 * Polls a readiness URL. Probes never overlap: the next is scheduled when the previous ended, so
 * a dependency that hangs is probed once per `timeoutMs + intervalMs`, not piled up on.
 */
export class HttpReadinessProber implements ReadinessSource {
  readonly kind = 'http';
  private readonly debouncer: ReadinessDebouncer;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: HttpProbeOptions) {
    this.debouncer = new ReadinessDebouncer(options);
  }

  start(listener: ReadinessListener): void {
    if (this.loop !== undefined) throw new Error('the prober is already started');
    this.loop = this.run(listener);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  current(): Readiness | undefined {
    return this.debouncer.current();
  }

  private async run(listener: ReadinessListener): Promise<void> {
    const { signal } = this.stopping;
    const startedAt = Date.now();
    let seenReady = false;
    while (!signal.aborted) {
      const observation = await probeReadiness(this.options.url, this.options.timeoutMs, signal);
      if (signal.aborted) return;
      seenReady ||= observation.ready;
      const changed = this.debouncer.observe(observation);
      if (changed !== undefined) listener(changed);
      const starting = !seenReady && Date.now() - startedAt < STARTUP_WINDOW_MS;
      await sleep(
        starting ? Math.min(STARTUP_INTERVAL_MS, this.options.intervalMs) : this.options.intervalMs,
        signal,
      );
    }
  }
}

/** One probe of a readiness URL; never throws: every failure is an answer "not ready, because". */
export async function probeReadiness(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Readiness> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      headers: { accept: 'application/json' },
    });
    const body = await response.text();
    if (response.ok) return { ready: true, reason: `HTTP ${response.status}` };
    const failed = failedChecks(body);
    return {
      ready: false,
      reason: clip(`HTTP ${response.status}${failed === '' ? '' : ` (${failed})`}`),
    };
  } catch (error) {
    if (timeout.aborted) return { ready: false, reason: `no answer within ${timeoutMs} ms` };
    return { ready: false, reason: clip(`unreachable (${causeOf(error)})`) };
  }
}

/**
 * The failed checks of a readiness report shaped like ours ({checks: {name: {status, error}}}),
 * as "name: error, ...": the reason an operator wants to read. Anything else says nothing.
 */
function failedChecks(body: string): string {
  let report: unknown;
  try {
    report = JSON.parse(body);
  } catch {
    return '';
  }
  if (typeof report !== 'object' || report === null || !('checks' in report)) return '';
  const { checks } = report;
  if (typeof checks !== 'object' || checks === null) return '';
  return Object.entries(checks)
    .flatMap(([name, check]: [string, unknown]) => {
      if (typeof check !== 'object' || check === null) return [];
      const status = 'status' in check ? check.status : undefined;
      if (status === 'ok') return [];
      const error = 'error' in check && typeof check.error === 'string' ? check.error : 'failed';
      return [`${name}: ${error}`];
    })
    .join(', ');
}

/** fetch wraps the network error: its cause has the code (ECONNREFUSED, ECONNRESET, ...). */
function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : cause.message;
  }
  return String(cause);
}

function clip(text: string): string {
  return text.length <= REASON_LIMIT ? text : `${text.slice(0, REASON_LIMIT - 1)}…`;
}
