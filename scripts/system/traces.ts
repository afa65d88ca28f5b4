// The stack's Zipkin as the e2e tests and the demo read it: plain fetch on its v2 API.
import { waitFor } from './wait.ts';

/** One span as Zipkin's v2 API returns it (the OpenTelemetry exporter's mapping). */
export interface ZipkinSpan {
  readonly traceId: string;
  readonly id: string;
  readonly parentId?: string;
  /** Lower-cased by Zipkin, e.g. `post /orders`, `send orders.events`. */
  readonly name: string;
  /** Absent for internal spans. */
  readonly kind?: 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
  readonly timestamp: number;
  readonly duration?: number;
  readonly localEndpoint?: { readonly serviceName?: string };
  readonly tags?: Readonly<Record<string, string>>;
  readonly annotations?: ReadonlyArray<{ readonly timestamp: number; readonly value: string }>;
}

/** Where a person opens the trace. */
export function traceUiUrl(zipkinUrl: string, traceId: string): string {
  return `${zipkinUrl}/zipkin/traces/${traceId}`;
}

/** Every span Zipkin holds for the trace; empty while none has arrived. */
export async function fetchTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  const response = await fetch(`${zipkinUrl}/api/v2/trace/${traceId}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`zipkin answered ${response.status} for trace ${traceId}`);
  return (await response.json()) as ZipkinSpan[];
}

/**
 * The ids of every trace holding a span tagged `tag=value` in the last `lookbackMs`: how a test
 * proves an order's spans are in one trace and nowhere else.
 */
export async function traceIdsTagged(
  zipkinUrl: string,
  tag: string,
  value: string,
  lookbackMs = 15 * 60_000,
): Promise<string[]> {
  const query = new URLSearchParams({
    annotationQuery: `${tag}=${value}`,
    lookback: String(lookbackMs),
    endTs: String(Date.now()),
    limit: '100',
  });
  const response = await fetch(`${zipkinUrl}/api/v2/traces?${query.toString()}`);
  if (!response.ok) throw new Error(`zipkin answered ${response.status} to ${query.toString()}`);
  const traces = (await response.json()) as ZipkinSpan[][];
  return [...new Set(traces.flatMap((spans) => spans.map((span) => span.traceId)))];
}

/**
 * Polls until the trace satisfies `complete` (spans leave each service in batches, every 500 ms
 * with the launcher's settings), then returns it; fails after `timeoutMs` with what arrived.
 */
export async function waitForTrace(
  zipkinUrl: string,
  traceId: string,
  complete: (spans: readonly ZipkinSpan[]) => boolean,
  timeoutMs = 20_000,
): Promise<ZipkinSpan[]> {
  let last: ZipkinSpan[] = [];
  try {
    return await waitFor(
      `trace ${traceId} in Zipkin`,
      async () => {
        last = await fetchTrace(zipkinUrl, traceId);
        return complete(last) ? last : undefined;
      },
      timeoutMs,
      250,
    );
  } catch (error) {
    const seen = last.map((s) => `${s.localEndpoint?.serviceName ?? '?'}: ${s.name}`).join('\n  ');
    throw new Error(`${(error as Error).message}; spans so far:\n  ${seen || '(none)'}`, {
      cause: error,
    });
  }
}
