import type { SqlExecutor } from '@order-saga/persistence';
import type { Logger } from '@order-saga/observability';
import type { IdempotencyRecords } from './idempotency-records';

export interface ExpiredKeysSweeperOptions {
  readonly db: SqlExecutor;
  readonly records: IdempotencyRecords;
  readonly logger: Logger;
  /** Rows deleted per statement: short transactions, short row locks. */
  readonly batchSize: number;
}

// Per sweep at most this many batches; a backlog larger than that drains over several sweeps
// instead of holding a connection of the request pool for long.
const MAX_BATCHES_PER_SWEEP = 10;

/**
 * Deletes expired idempotency records in bounded batches; the service runs `sweep` periodically.
 * Expired rows are already ignored by lookups and replaced by a new request with their key; this
 * only reclaims their space. Every replica may sweep: rows another sweep holds are skipped.
 */
export class ExpiredKeysSweeper {
  constructor(private readonly options: ExpiredKeysSweeperOptions) {}

  /** One sweep; resolves to the number of records deleted. Never rejects: a failure is logged. */
  async sweep(): Promise<number> {
    let deleted = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch++) {
        const count = await this.options.records.deleteExpired(
          this.options.db,
          this.options.batchSize,
        );
        deleted += count;
        if (count < this.options.batchSize) break;
      }
      if (deleted > 0) this.options.logger.info({ deleted }, 'idempotency.expired_keys_deleted');
    } catch (error) {
      this.options.logger.warn({ err: error, deleted }, 'idempotency.sweep_failed');
    }
    return deleted;
  }
}
