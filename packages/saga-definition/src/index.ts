export * from './saga-definition';
export * from './order-saga.definition';
export * from './saga-progress';
export * from './deadline';
