import {
  MESSAGES,
  type AnyEnvelope,
  type MessageName,
  type SagaTopic,
} from '@order-saga/contracts';
import { ORDER_SAGA, choreographyInputs } from '@order-saga/saga-definition';
import type { ReleaseInventoryHandler } from './release-inventory.handler';
import type { ReserveInventoryHandler } from './reserve-inventory.handler';

const CHOREOGRAPHY = choreographyInputs(ORDER_SAGA, 'inventory');

/**
 * What the inventory step consumes in each saga mode. Choreography: what the declared saga says
 * makes the step act (the payment succeeded) and undo (the saga was aborted). Orchestration: the
 * step's command and its compensation's command.
 */
export const INVENTORY_INPUTS: Record<'choreography' | 'orchestration', readonly MessageName[]> = {
  choreography: [CHOREOGRAPHY.action, ...CHOREOGRAPHY.compensation],
  orchestration: [ORDER_SAGA.steps[1].command, ORDER_SAGA.steps[1].compensation.command],
};

export function inputTopics(inputs: readonly MessageName[]): SagaTopic[] {
  return [...new Set(inputs.map((name) => MESSAGES[name].topic))];
}

/** Which consumed message starts which use case: reserve, or release (the compensation). */
export class InventoryRouter {
  constructor(
    private readonly reserve: Pick<ReserveInventoryHandler, 'handle'>,
    private readonly release: Pick<ReleaseInventoryHandler, 'handle'>,
  ) {}

  async route(envelope: AnyEnvelope, topic: string): Promise<void> {
    switch (envelope.name) {
      case 'PaymentConfirmed':
      case 'ReserveInventory':
        return this.reserve.handle(envelope, topic);
      case 'ReleaseInventory':
        return this.release.handle(envelope, envelope.data.reason, topic);
      case 'OrderDeadlineExceeded':
        return this.release.handle(envelope, 'DEADLINE_EXCEEDED', topic);
      default:
        return;
    }
  }
}
