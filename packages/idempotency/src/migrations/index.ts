import { frozenMigration } from '@order-saga/persistence';
import { IDEMPOTENCY_V1 } from './idempotency-v1';

export { IDEMPOTENCY_V1 };

/** Every released version, oldest first: a service lists these beside its own migrations. */
export const IDEMPOTENCY_VERSIONS = [IDEMPOTENCY_V1] as const;
export const IDEMPOTENCY_MIGRATIONS = IDEMPOTENCY_VERSIONS.map(frozenMigration);
