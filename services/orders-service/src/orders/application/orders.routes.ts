import type { AnyEnvelope, MessageName, SagaMode } from '@order-saga/contracts';
import { routesFor, type Delivery, type RoutesByMode } from '@order-saga/messaging';
import { sagaInputs, type ApplySagaFactHandler } from './apply-saga-fact.handler';
import type { RecordProviderStatusHandler } from './record-provider-status.handler';

/**
 * What this service consumes, per saga mode: every fact of the declared saga moves the order
 * (the orchestrator drives the participants, never the order itself, so clients see the same
 * states and timeline), plus in orchestration the orchestrator's word that time ran out; and in
 * both, the payment provider's breaker state, for the waiting reason GET shows.
 */
export function ordersRoutes(
  apply: Pick<ApplySagaFactHandler, 'handle'>,
  providerStatus: Pick<RecordProviderStatusHandler, 'handle'>,
): RoutesByMode {
  const fact = (envelope: AnyEnvelope, delivery: Delivery): Promise<void> =>
    apply.handle(envelope, delivery);
  const routes = (mode: SagaMode) => {
    const inputs = sagaInputs(mode);
    return routesFor([...inputs, 'PaymentProviderStatusChanged' satisfies MessageName], {
      ...Object.fromEntries(inputs.map((name) => [name, fact])),
      PaymentProviderStatusChanged: (envelope, delivery) =>
        providerStatus.handle(envelope, delivery),
    });
  };
  return { choreography: routes('choreography'), orchestration: routes('orchestration') };
}
