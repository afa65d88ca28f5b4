export * from './data-source';
export * from './database-unavailable';
export * from './frozen-migration';
export * from './locked-batch';
export * from './pool-saturation';
export * from './sql';
