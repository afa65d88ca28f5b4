import { trace } from '@opentelemetry/api';

interface Flushable {
  forceFlush(): Promise<void>;
}

function isFlushable(value: unknown): value is Flushable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Flushable>).forceFlush === 'function'
  );
}

/**
 * Exports the spans still buffered by the batch processor; called on graceful shutdown so the
 * last requests of a stopping service are not lost. Works for our SDK and for an injected one
 * (duck-typed: the injected SDK may bring its own copy of the API classes).
 */
export async function flushTraces(): Promise<void> {
  const provider: unknown = trace.getTracerProvider();
  const delegate =
    typeof provider === 'object' &&
    provider !== null &&
    typeof (provider as { getDelegate?: unknown }).getDelegate === 'function'
      ? (provider as { getDelegate(): unknown }).getDelegate()
      : provider;
  if (isFlushable(delegate)) await delegate.forceFlush();
}
