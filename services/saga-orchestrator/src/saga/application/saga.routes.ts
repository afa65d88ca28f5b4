import type { AnyEnvelope } from '@order-saga/contracts';
import { routesFor, type Delivery, type RoutesByMode } from '@order-saga/messaging';
import type { RunOrderSagaHandler } from './run-order-saga.handler';
import { ORCHESTRATOR_INPUTS } from './saga-messages';

/** What this service consumes, per saga mode. */
export function sagaRoutes(saga: Pick<RunOrderSagaHandler, 'handle'>): RoutesByMode {
  const advance = (envelope: AnyEnvelope, delivery: Delivery): Promise<void> =>
    saga.handle(envelope, delivery);
  return {
    // The participants react to each other's facts: there is nothing to orchestrate, and
    // neither the chart nor the native launcher runs this service in this mode.
    choreography: null,
    // The saga's start and every outcome its definition declares advance the order's instance.
    orchestration: routesFor(
      ORCHESTRATOR_INPUTS,
      Object.fromEntries(ORCHESTRATOR_INPUTS.map((name) => [name, advance])),
    ),
  };
}
