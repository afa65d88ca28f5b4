export * from './topics';
export * from './common';
export * from './catalogue';
export * from './envelope';
export * from './events/order-events.v1';
export * from './events/payment-events.v1';
export * from './events/inventory-events.v1';
export * from './commands/saga-commands.v1';
