import { frozenMigration } from '@order-saga/persistence';
import { OUTBOX_V1 } from './outbox-v1';

export { OUTBOX_V1 };

/** Every released version, oldest first: a service lists these beside its own migrations. */
export const OUTBOX_VERSIONS = [OUTBOX_V1] as const;
export const OUTBOX_MIGRATIONS = OUTBOX_VERSIONS.map(frozenMigration);
