import type { z } from 'zod';
import {
  AuthorizePaymentV1,
  RefundPaymentV1,
  ReleaseInventoryV1,
  ReserveInventoryV1,
} from './commands/saga-commands.v1';
import {
  InventoryFailedV1,
  InventoryReleasedV1,
  InventoryReservedV1,
} from './events/inventory-events.v1';
import {
  OrderCancelledV1,
  OrderCreatedV1,
  OrderDeadlineExceededV1,
  OrderFulfilledV1,
} from './events/order-events.v1';
import {
  PaymentConfirmedV1,
  PaymentFailedV1,
  PaymentInitiatedV1,
  PaymentProviderStatusChangedV1,
  PaymentRefundFailedV1,
  PaymentRefundedV1,
} from './events/payment-events.v1';
import { TOPICS, type SagaTopic } from './topics';

interface MessageDefinition<S extends z.ZodType> {
  /** CloudEvents `type`: `<domain>.<kebab-name>.v<major>`. A breaking change is a new major. */
  readonly type: string;
  readonly topic: SagaTopic;
  readonly schema: S;
}

function define<S extends z.ZodType>(
  type: string,
  topic: SagaTopic,
  schema: S,
): MessageDefinition<S> {
  return { type, topic, schema };
}

/** Every message on the wire: events are past-tense facts, commands are imperatives. */
export const MESSAGES = {
  OrderCreated: define('orders.order-created.v1', TOPICS.ordersEvents, OrderCreatedV1),
  OrderFulfilled: define('orders.order-fulfilled.v1', TOPICS.ordersEvents, OrderFulfilledV1),
  OrderCancelled: define('orders.order-cancelled.v1', TOPICS.ordersEvents, OrderCancelledV1),
  OrderDeadlineExceeded: define(
    'orders.order-deadline-exceeded.v1',
    TOPICS.ordersEvents,
    OrderDeadlineExceededV1,
  ),
  PaymentInitiated: define(
    'payments.payment-initiated.v1',
    TOPICS.paymentsEvents,
    PaymentInitiatedV1,
  ),
  PaymentConfirmed: define(
    'payments.payment-confirmed.v1',
    TOPICS.paymentsEvents,
    PaymentConfirmedV1,
  ),
  PaymentFailed: define('payments.payment-failed.v1', TOPICS.paymentsEvents, PaymentFailedV1),
  PaymentRefunded: define('payments.payment-refunded.v1', TOPICS.paymentsEvents, PaymentRefundedV1),
  PaymentRefundFailed: define(
    'payments.payment-refund-failed.v1',
    TOPICS.paymentsEvents,
    PaymentRefundFailedV1,
  ),
  PaymentProviderStatusChanged: define(
    'payments.payment-provider-status-changed.v1',
    TOPICS.paymentsEvents,
    PaymentProviderStatusChangedV1,
  ),
  InventoryReserved: define(
    'inventory.inventory-reserved.v1',
    TOPICS.inventoryEvents,
    InventoryReservedV1,
  ),
  InventoryFailed: define(
    'inventory.inventory-failed.v1',
    TOPICS.inventoryEvents,
    InventoryFailedV1,
  ),
  InventoryReleased: define(
    'inventory.inventory-released.v1',
    TOPICS.inventoryEvents,
    InventoryReleasedV1,
  ),
  AuthorizePayment: define(
    'payments.authorize-payment.v1',
    TOPICS.paymentsCommands,
    AuthorizePaymentV1,
  ),
  RefundPayment: define('payments.refund-payment.v1', TOPICS.paymentsCommands, RefundPaymentV1),
  ReserveInventory: define(
    'inventory.reserve-inventory.v1',
    TOPICS.inventoryCommands,
    ReserveInventoryV1,
  ),
  ReleaseInventory: define(
    'inventory.release-inventory.v1',
    TOPICS.inventoryCommands,
    ReleaseInventoryV1,
  ),
} as const;

export type MessageName = keyof typeof MESSAGES;
export type MessageData<N extends MessageName> = z.infer<(typeof MESSAGES)[N]['schema']>;

const NAME_BY_TYPE = new Map<string, MessageName>(
  (Object.keys(MESSAGES) as MessageName[]).map((name) => [MESSAGES[name].type, name]),
);

export function messageNameOfType(type: string): MessageName | undefined {
  return NAME_BY_TYPE.get(type);
}
