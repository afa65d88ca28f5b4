export * from './migrations';
export * from './outbox-channel';
export * from './outbox-relay';
export * from './outbox-writer';
