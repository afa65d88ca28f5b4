import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { activeTraceContext } from './tracing/active-trace';

export type { Logger } from 'pino';

/**
 * The current span's ids on every line logged inside it: one source of truth (the OpenTelemetry
 * context) for what the log lines and the trace backend call the trace. Lines logged outside any
 * span (boot, the relay's idle loop) carry none.
 */
function traceFields(): { traceId?: string; spanId?: string } {
  const active = activeTraceContext();
  return active === undefined ? {} : { traceId: active.traceId, spanId: active.spanId };
}

/**
 * JSON logs, one line per event. The message names the event (`order.created`); ids travel as
 * fields, traceId and spanId from the current span. Payment details never reach a log line:
 * `redact` is the safety net, not the policy. `destination` defaults to stdout.
 */
export function createLogger(
  service: string,
  level = 'info',
  options: LoggerOptions = {},
  destination?: DestinationStream,
): Logger {
  const settings: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceFields,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'paymentMethod',
        '*.paymentMethod',
        'card',
        '*.card',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
    ...options,
  };
  return destination === undefined ? pino(settings) : pino(settings, destination);
}
