import { readFileSync } from 'node:fs';

/** The fields DESIGN.md asks of every log line about a saga. */
export const REQUIRED_LOG_FIELDS = [
  'service',
  'orderId',
  'correlationId',
  'traceId',
  'spanId',
] as const;

export interface SagaLogs {
  /** Every line, in any service's log, that names the order's id or its correlation id. */
  readonly lines: ReadonlyArray<{ readonly file: string; readonly line: Record<string, unknown> }>;
  /** What is wrong with them, one entry per line: empty when the saga's logs are as promised. */
  readonly problems: string[];
  /** The services that logged about the order. */
  readonly services: string[];
}

/**
 * Reads a saga's log lines from the services' log files (the launcher writes one per service)
 * and checks each: JSON, the required fields present, the order's one correlation id and one
 * trace id. A line is about the order if its text names the order id or the correlation id
 * anywhere, so a line that mentions the order without the fields is caught too.
 */
export function sagaLogs(
  logFiles: readonly string[],
  order: { readonly id: string; readonly correlationId: string; readonly traceId: string },
): SagaLogs {
  const lines: Array<{ file: string; line: Record<string, unknown> }> = [];
  const problems: string[] = [];
  for (const file of logFiles) {
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (!text.includes(order.id) && !text.includes(order.correlationId)) continue;
      const where = `${file.split('/').at(-1) ?? file}: ${text.slice(0, 240)}`;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        problems.push(`not JSON: ${where}`);
        continue;
      }
      lines.push({ file, line });
      const missing = REQUIRED_LOG_FIELDS.filter(
        (f) => typeof line[f] !== 'string' || line[f] === '',
      );
      if (missing.length > 0) problems.push(`missing ${missing.join(', ')}: ${where}`);
      const expected = {
        orderId: order.id,
        correlationId: order.correlationId,
        traceId: order.traceId,
      };
      for (const [field, value] of Object.entries(expected))
        if (line[field] !== undefined && line[field] !== value)
          problems.push(`${field} ${JSON.stringify(line[field])}, not ${value}: ${where}`);
    }
  }
  const services = [...new Set(lines.map(({ line }) => String(line['service'])))].sort();
  return { lines, problems, services };
}
