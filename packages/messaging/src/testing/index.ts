import type { AnyEnvelope, SagaMode } from '@order-saga/contracts';
import { routeHandler, type RoutesByMode } from '../consumer/routes';

/**
 * What a service's routing does with sample messages, for its routing spec: the routes are built
 * with handlers that append what they were asked to do to `calls`, and each sample goes through
 * the routes of the mode that consumes it, as the bootstrap wires them. Imported from
 * `@order-saga/messaging/testing`, never by production code.
 */
export function routingProbe(
  routesWith: (calls: string[]) => RoutesByMode,
  samples: Readonly<Record<string, AnyEnvelope>>,
): {
  readonly topicsOf: (mode: SagaMode) => readonly string[];
  readonly routed: (name: string) => Promise<string[]>;
} {
  const delivery = { topic: 't', partition: 0, offset: '0', attempt: 1 };
  return {
    topicsOf: (mode) => routesWith([])[mode]?.topics ?? [],
    routed: async (name) => {
      const calls: string[] = [];
      const routes = routesWith(calls);
      const envelope = samples[name];
      if (envelope === undefined) throw new Error(`no sample ${name}`);
      for (const mode of ['choreography', 'orchestration'] as const) {
        const consumed = routes[mode];
        if (consumed !== null && consumed.routes[envelope.name] !== undefined)
          await routeHandler(consumed.routes)(envelope, delivery);
      }
      return calls;
    },
  };
}
