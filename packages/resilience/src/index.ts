export * from './retry/retry';
export * from './retry/retry-policy';
export * from './retry/sleep';
