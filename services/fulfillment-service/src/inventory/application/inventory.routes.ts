import type { MessageName, SagaMode } from '@order-saga/contracts';
import { routesFor, type RoutesByMode } from '@order-saga/messaging';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import type { ReleaseInventoryHandler } from './release-inventory.handler';
import type { ReserveInventoryHandler } from './reserve-inventory.handler';

const CHOREOGRAPHY = choreographyInputs(ORDER_SAGA, 'inventory');

/**
 * What the inventory step consumes in each saga mode. Choreography: what the declared saga says
 * makes the step act (the payment succeeded) and undo (the saga was aborted). Orchestration: the
 * step's command and its compensation's command.
 */
export const INVENTORY_INPUTS: Record<SagaMode, readonly MessageName[]> = {
  choreography: [CHOREOGRAPHY.action, ...CHOREOGRAPHY.compensation],
  orchestration: [ORDER_SAGA.steps[1].command, ORDER_SAGA.steps[1].compensation.command],
};

/** Which consumed message starts which use case, per saga mode: reserve, or release (the compensation). */
export function inventoryRoutes(
  reserve: Pick<ReserveInventoryHandler, 'handle'>,
  release: Pick<ReleaseInventoryHandler, 'handle'>,
): RoutesByMode {
  const handlers = {
    PaymentConfirmed: (event, delivery) => reserve.handle(event, delivery),
    ReserveInventory: (event, delivery) => reserve.handle(event, delivery),
    ReleaseInventory: (event, delivery) => release.handle(event, event.data.reason, delivery),
    OrderDeadlineExceeded: (event, delivery) =>
      release.handle(event, 'DEADLINE_EXCEEDED', delivery),
  } satisfies Parameters<typeof routesFor>[1];
  return {
    choreography: routesFor(INVENTORY_INPUTS.choreography, handlers),
    orchestration: routesFor(INVENTORY_INPUTS.orchestration, handlers),
  };
}
