import {
  MESSAGES,
  type AnyEnvelope,
  type Envelope,
  type MessageName,
  type SagaMode,
  type SagaTopic,
} from '@order-saga/contracts';
import type { Delivery, EnvelopeHandler } from './message-delivery';

/** Which use case a consumed message starts, per message name; typed, so a route gets its own envelope. */
export type MessageRoutes = {
  readonly [N in MessageName]?: (envelope: Envelope<N>, delivery: Delivery) => Promise<void>;
};

/** A consumer's subscription: the topics it reads and what it does with the messages it acts on. */
export interface ConsumerRoutes {
  readonly topics: readonly SagaTopic[];
  readonly routes: MessageRoutes;
}

/**
 * A service's consumer in each saga mode: what changes in orchestration mode, in one value.
 * `null`: the service consumes nothing in that mode.
 */
export type RoutesByMode = Readonly<Record<SagaMode, ConsumerRoutes | null>>;

/** The message names a routing table acts on; the consumer skips every other type undecoded. */
export function acceptedMessages(routes: MessageRoutes): MessageName[] {
  return (Object.keys(routes) as MessageName[]).filter((name) => routes[name] !== undefined);
}

/** The consumer's handler for a routing table: a message without a route is not ours to act on. */
export function routeHandler(routes: MessageRoutes): EnvelopeHandler {
  return async (envelope: AnyEnvelope, delivery: Delivery) => {
    // Indexing by the envelope's own name pairs each route with its envelope type.
    const route = routes[envelope.name] as
      ((envelope: AnyEnvelope, delivery: Delivery) => Promise<void>) | undefined;
    await route?.(envelope, delivery);
  };
}

/**
 * A consumer's subscription from the message names it must act on (as the declared saga says)
 * and the service's handlers: the topics those messages travel on, and their routes. A name
 * without a handler is a wiring bug, refused at boot.
 */
export function routesFor(inputs: readonly MessageName[], handlers: MessageRoutes): ConsumerRoutes {
  const routes: Record<string, unknown> = {};
  for (const name of inputs) {
    const handler = handlers[name];
    if (handler === undefined)
      throw new Error(`no route for ${name}, which this consumer must act on`);
    routes[name] = handler;
  }
  return {
    topics: [...new Set(inputs.map((name) => MESSAGES[name].topic))],
    routes: routes,
  };
}
