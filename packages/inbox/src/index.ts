export * from './inbox';
export * from './migrations';
