import { frozenMigration } from '@order-saga/persistence';
import { INBOX_V1 } from './inbox-v1';

export { INBOX_V1 };

/** Every released version, oldest first: a service lists these beside its own migrations. */
export const INBOX_VERSIONS = [INBOX_V1] as const;
export const INBOX_MIGRATIONS = INBOX_VERSIONS.map(frozenMigration);
