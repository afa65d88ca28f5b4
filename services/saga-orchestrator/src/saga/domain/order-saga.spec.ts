import { describe, expect, it } from 'vitest';
import {
  decide,
  type Decision,
  type OrderSnapshot,
  type SagaFact,
  type SagaState,
} from './order-saga';

const order: OrderSnapshot = {
  orderId: '3f0e1c8e-6a9b-4b8e-9a51-0d6f1d3f2a10',
  amount: 1_000,
  currency: 'EUR',
  paymentMethod: 'pm_card_visa',
  items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1_000 }],
};

function run(facts: SagaFact[]): {
  state: SagaState | undefined;
  commands: string[];
  ignored: string[];
} {
  let state: SagaState | undefined;
  const commands: string[] = [];
  const ignored: string[] = [];
  for (const fact of facts) {
    const decision: Decision = decide(state, fact);
    if (!decision.apply) {
      ignored.push(fact.kind);
      continue;
    }
    state = decision.state;
    commands.push(...decision.commands.map((c) => c.name));
  }
  return { state, commands, ignored };
}

describe('order saga (orchestration)', () => {
  it('commands payment, then inventory, and completes', () => {
    const { state, commands } = run([
      { kind: 'OrderCreated', order },
      { kind: 'PaymentConfirmed' },
      { kind: 'InventoryReserved' },
    ]);
    expect(commands).toEqual(['AuthorizePayment', 'ReserveInventory']);
    expect(state).toMatchObject({
      status: 'COMPLETED',
      step: 'DONE',
      compensations: ['RefundPayment'],
    });
  });

  it('fails without compensation when the payment fails', () => {
    const { state, commands } = run([{ kind: 'OrderCreated', order }, { kind: 'PaymentFailed' }]);
    expect(commands).toEqual(['AuthorizePayment']);
    expect(state).toMatchObject({ status: 'FAILED', compensations: [] });
  });

  it('unwinds the compensations in reverse when inventory fails, then ends compensated', () => {
    const { state, commands } = run([
      { kind: 'OrderCreated', order },
      { kind: 'PaymentConfirmed' },
      { kind: 'InventoryFailed', reason: 'OUT_OF_STOCK' },
      { kind: 'PaymentRefunded' },
    ]);
    expect(commands).toEqual(['AuthorizePayment', 'ReserveInventory', 'RefundPayment']);
    expect(state).toMatchObject({
      status: 'COMPENSATED',
      step: 'DONE',
      compensations: [],
      reason: 'OUT_OF_STOCK',
    });
  });

  it('ignores duplicates and facts out of place', () => {
    const { commands, ignored } = run([
      { kind: 'PaymentConfirmed' },
      { kind: 'OrderCreated', order },
      { kind: 'OrderCreated', order },
      { kind: 'InventoryReserved' },
      { kind: 'PaymentConfirmed' },
      { kind: 'PaymentConfirmed' },
    ]);
    expect(commands).toEqual(['AuthorizePayment', 'ReserveInventory']);
    expect(ignored).toEqual([
      'PaymentConfirmed',
      'OrderCreated',
      'InventoryReserved',
      'PaymentConfirmed',
    ]);
  });
});
