export * from './readiness/endpoint-slice-watch';
export * from './readiness/endpoint-slices';
export * from './readiness/http-readiness-prober';
export * from './readiness/readiness-debouncer';
export * from './readiness/readiness-source';
export * from './retry/retry';
export * from './retry/retry-policy';
export * from './retry/sleep';
