import type { AnyEnvelope, SagaMode } from '@order-saga/contracts';
import { routesFor, type Delivery, type RoutesByMode } from '@order-saga/messaging';
import { sagaInputs, type ApplySagaFactHandler } from './apply-saga-fact.handler';

/**
 * What this service consumes, per saga mode: every fact of the declared saga moves the order
 * (the orchestrator drives the participants, never the order itself, so clients see the same
 * states and timeline), plus in orchestration the orchestrator's word that time ran out.
 */
export function ordersRoutes(apply: Pick<ApplySagaFactHandler, 'handle'>): RoutesByMode {
  const fact = (envelope: AnyEnvelope, delivery: Delivery): Promise<void> =>
    apply.handle(envelope, delivery);
  const routes = (mode: SagaMode) => {
    const inputs = sagaInputs(mode);
    return routesFor(inputs, Object.fromEntries(inputs.map((name) => [name, fact])));
  };
  return { choreography: routes('choreography'), orchestration: routes('orchestration') };
}
