export * from './outbox.ddl';
export * from './outbox-relay';
export * from './outbox-writer';
export * from './messaging-runtime';
