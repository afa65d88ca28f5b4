export * from './inbox';
export * from './inbox-transaction';
export * from './migrations';
