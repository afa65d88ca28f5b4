export * from './readiness/endpoint-slice-watch';
export * from './readiness/endpoint-slices';
export * from './readiness/http-readiness-prober';
export * from './readiness/readiness-debouncer';
export * from './readiness/readiness-source';
export * from './retry/retry';
export * from './retry/retry-policy';
export * from './retry/sleep';
// The circuit breaker, shared across replicas through Redis (ADR 0012). For a readiness source:
// holdOpen(reason) / release(), snapshot() for the state and openedAt, onChange(listener).
export * from './circuit-breaker/breaker-state';
export * from './circuit-breaker/shared-circuit-breaker';
