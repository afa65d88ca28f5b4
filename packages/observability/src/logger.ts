import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs, one line per event. The message names the event (`order.created`); ids travel as
 * fields. Payment details never reach a log line: `redact` is the safety net, not the policy.
 */
export function createLogger(service: string, level = 'info', options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
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
  });
}
