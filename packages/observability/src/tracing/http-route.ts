import { context } from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';

/**
 * Tells the HTTP instrumentation which route matched (`/orders/:id`), so the server span is named
 * `GET /orders/:id` and carries `http.route`, as the HTTP conventions ask. Fastify is not covered
 * by the auto-instrumentations; this is the hook its own instrumentation would use.
 */
export function recordHttpRoute(route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}
