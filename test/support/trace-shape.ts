// What one order's trace must look like, as lists of problems (empty = fine), so a failing test
// names every broken link at once instead of the first.
import type { ZipkinSpan } from '../../scripts/system/traces.ts';

export const service = (span: ZipkinSpan): string => span.localEndpoint?.serviceName ?? '?';
const describe = (span: ZipkinSpan): string => `${service(span)} "${span.name}" (${span.id})`;
const topicOf = (span: ZipkinSpan): string | undefined => span.tags?.['messaging.destination.name'];

/** Spans whose parent is not in the trace: for a healthy order, only the POST /orders span. */
export function roots(spans: readonly ZipkinSpan[]): ZipkinSpan[] {
  const ids = new Set(spans.map((s) => s.id));
  return spans.filter((s) => s.parentId === undefined || !ids.has(s.parentId));
}

/** The same-service ancestors of a span, nearest first. */
function localAncestors(span: ZipkinSpan, byId: ReadonlyMap<string, ZipkinSpan>): ZipkinSpan[] {
  const chain: ZipkinSpan[] = [];
  for (let s = byId.get(span.parentId ?? ''); s !== undefined; s = byId.get(s.parentId ?? '')) {
    if (service(s) !== service(span)) break;
    chain.push(s);
  }
  return chain;
}

/**
 * The messaging links of the outbox path: every `process <topic>` span is a child of a
 * `send <topic>` span of another service; every `send` is a child of the `create` span of the
 * same message in the same service (not of the relay's poll loop); every `create` runs inside a
 * request or a message being processed by the same service.
 */
export function messagingProblems(spans: readonly ZipkinSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const problems: string[] = [];
  for (const span of spans) {
    const parent = byId.get(span.parentId ?? '');
    const operation = span.tags?.['messaging.operation.type'];
    if (operation === 'process') {
      if (span.kind !== 'CONSUMER') problems.push(`${describe(span)} is not a CONSUMER span`);
      if (
        parent?.tags?.['messaging.operation.type'] !== 'send' ||
        topicOf(parent) !== topicOf(span)
      )
        problems.push(`${describe(span)} is not a child of a send span of its topic`);
      else if (service(parent) === service(span))
        problems.push(`${describe(span)} continues a send span of its own service`);
    }
    if (operation === 'send') {
      if (
        parent?.tags?.['messaging.operation.type'] !== 'create' ||
        service(parent) !== service(span) ||
        parent.tags['cloudevents.event_id'] !== span.tags?.['cloudevents.event_id']
      )
        problems.push(`${describe(span)} is not a child of its message's create span`);
    }
    if (operation === 'create') {
      const entry = localAncestors(span, byId).find(
        (s) => s.kind === 'SERVER' || s.kind === 'CONSUMER',
      );
      if (entry === undefined)
        problems.push(`${describe(span)} is not inside a request or a processed message`);
    }
  }
  return problems;
}

/** Every tag and annotation that contains one of `needles` (e.g. the order's payment method). */
export function leaks(spans: readonly ZipkinSpan[], needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const span of spans) {
    const values = [
      ...Object.entries(span.tags ?? {}).map(([key, value]) => `${key}=${value}`),
      ...(span.annotations ?? []).map((a) => `annotation ${a.value}`),
      `name ${span.name}`,
    ];
    for (const value of values)
      if (needles.some((needle) => value.toLowerCase().includes(needle.toLowerCase())))
        found.push(`${describe(span)}: ${value}`);
  }
  return found;
}

/** A short, readable outline of the trace for failure messages. */
export function outline(spans: readonly ZipkinSpan[]): string {
  return [...spans]
    .sort((a, b) => a.timestamp - b.timestamp)
    .filter((s) => !s.name.startsWith('pg.'))
    .map((s) => `${service(s)}: ${s.kind ?? 'INTERNAL'} ${s.name}`)
    .join('\n');
}
