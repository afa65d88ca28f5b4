export * from './data-source';
export * from './frozen-migration';
export * from './sql';
