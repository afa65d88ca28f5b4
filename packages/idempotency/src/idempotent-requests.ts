import type { SqlExecutor } from '@order-saga/persistence';
import type { Logger } from '@order-saga/observability';
import type { CachedResponse, IdempotencyCache } from './idempotency-cache';
import type { IdempotencyRecords, StoredResponse } from './idempotency-records';

export interface IdempotentRequest {
  readonly scope: string;
  readonly key: string;
  readonly fingerprint: string;
}

export type IdempotencyOutcome =
  | { readonly kind: 'executed'; readonly response: StoredResponse }
  | {
      readonly kind: 'replayed';
      readonly response: StoredResponse;
      readonly source: 'cache' | 'database';
    }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight'; readonly retryAfterSeconds: number };

/**
 * Given to the command: stores its response under the key, inside the transaction that commits
 * its effects (`tx`), or on its own when the command had no effects (a stored 400). Throws
 * `IdempotencyKeyTaken` when another request recorded the key first; the command's transaction
 * must then roll back, which letting the error propagate does.
 */
export type RecordResponse = (response: StoredResponse, tx?: SqlExecutor) => Promise<void>;

export class IdempotencyKeyTaken extends Error {
  override readonly name = 'IdempotencyKeyTaken';
}

/** The counters this package writes (from the service's metric catalogue). */
export interface IdempotencyMetrics {
  readonly idempotentReplays: { inc(labels: { outcome: string }): void };
  readonly idempotencyCacheErrors: { inc(labels: { operation: string }): void };
}

export interface IdempotentRequestsOptions {
  readonly db: SqlExecutor;
  readonly records: IdempotencyRecords;
  /** Absent when the service runs without Redis: every request is decided by PostgreSQL. */
  readonly cache: IdempotencyCache | undefined;
  readonly logger: Logger;
  readonly metrics: IdempotencyMetrics;
  /** How long a key stays taken after its request completed (milliseconds). */
  readonly keyTtlMs: number;
  /** How long the in-flight marker lives if its holder dies without releasing it (milliseconds). */
  readonly inFlightTtlMs: number;
  /** How long a completed response stays in Redis (milliseconds); PostgreSQL keeps it for keyTtlMs. */
  readonly cacheTtlMs: number;
}

/**
 * Runs a command at most once per (scope, key) and answers its retries, following the IETF
 * httpapi Idempotency-Key draft: same key and same request -> the stored response again; same key
 * and another request -> mismatch (422); same key while the first is running -> in flight (409).
 *
 * PostgreSQL decides (the record commits with the effect, ADR 0011); Redis only answers early.
 * When Redis fails, the request goes on against PostgreSQL, and if two requests with one key
 * then race, the unique key in PostgreSQL lets one record and makes the other roll back and
 * replay it. No path gives a wrong answer; the Redis-less paths are slower and counted.
 */
export class IdempotentRequests {
  private cacheFailing = false;

  constructor(private readonly options: IdempotentRequestsOptions) {}

  async run(
    request: IdempotentRequest,
    execute: (record: RecordResponse) => Promise<StoredResponse>,
  ): Promise<IdempotencyOutcome> {
    const { scope, key } = request;
    const claim = await this.claim(request);
    if (claim.kind === 'cached') return this.judge(request, claim.cached, 'cache');
    if (claim.kind === 'in-flight') {
      this.options.metrics.idempotentReplays.inc({ outcome: 'in_flight' });
      return {
        kind: 'in-flight',
        retryAfterSeconds: Math.max(1, Math.ceil(claim.retryAfterMs / 1000)),
      };
    }
    let completed: CachedResponse | undefined;
    try {
      const stored = await this.options.records.find(this.options.db, scope, key);
      if (stored !== undefined) {
        completed = { ...stored, expiresAt: stored.expiresAt.getTime() };
        return this.judge(request, completed, 'database');
      }
      const result = await this.execute(request, execute);
      completed = result.completed;
      return result.outcome;
    } finally {
      if (claim.kind === 'claimed') await this.release(request, claim.token, completed);
    }
  }

  private async execute(
    request: IdempotentRequest,
    execute: (record: RecordResponse) => Promise<StoredResponse>,
  ): Promise<{ outcome: IdempotencyOutcome; completed: CachedResponse }> {
    // When the record expires, as PostgreSQL set it: the cached copy must not outlive it.
    let recordedUntil: Date | undefined;
    const record: RecordResponse = async (response, tx) => {
      recordedUntil = await this.options.records.record(
        tx ?? this.options.db,
        { scope: request.scope, key: request.key, fingerprint: request.fingerprint, response },
        this.options.keyTtlMs,
      );
      if (recordedUntil === undefined)
        throw new IdempotencyKeyTaken(`idempotency key ${request.key} was taken meanwhile`);
    };
    try {
      const response = await execute(record);
      // A command that forgot to record would answer a retry with a second effect.
      if (recordedUntil === undefined)
        throw new Error('an idempotent command returned without recording its response');
      return {
        outcome: { kind: 'executed', response },
        completed: {
          fingerprint: request.fingerprint,
          response,
          expiresAt: recordedUntil.getTime(),
        },
      };
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTaken)) throw error;
      // Lost the race in PostgreSQL (our effects rolled back with the error): answer with the
      // winner's response, judged like any retry.
      this.options.logger.info({ scope: request.scope }, 'idempotency.race_lost');
      const winner = await this.options.records.find(this.options.db, request.scope, request.key);
      if (winner === undefined) throw error;
      const completed = { ...winner, expiresAt: winner.expiresAt.getTime() };
      return { outcome: this.judge(request, completed, 'database'), completed };
    }
  }

  private judge(
    request: IdempotentRequest,
    completed: CachedResponse,
    source: 'cache' | 'database',
  ): IdempotencyOutcome {
    if (completed.fingerprint !== request.fingerprint) {
      this.options.metrics.idempotentReplays.inc({ outcome: 'mismatch' });
      return { kind: 'mismatch' };
    }
    this.options.metrics.idempotentReplays.inc({ outcome: 'replayed' });
    return { kind: 'replayed', response: completed.response, source };
  }

  /** Redis first; without it (absent or failing) the request is decided by PostgreSQL alone. */
  private async claim(
    request: IdempotentRequest,
  ): Promise<Awaited<ReturnType<IdempotencyCache['claim']>> | { kind: 'uncached' }> {
    const { cache } = this.options;
    if (cache === undefined) return { kind: 'uncached' };
    try {
      const claim = await cache.claim(request.scope, request.key, this.options.inFlightTtlMs);
      this.cacheFailing = false;
      return claim;
    } catch (error) {
      this.cacheFailed('claim', error);
      return { kind: 'uncached' };
    }
  }

  private async release(
    request: IdempotentRequest,
    token: string,
    completed: CachedResponse | undefined,
  ): Promise<void> {
    const { cache } = this.options;
    if (cache === undefined) return;
    try {
      const cacheable =
        completed !== undefined && completed.expiresAt > Date.now() ? completed : undefined;
      await cache.complete(request.scope, request.key, token, cacheable, this.options.cacheTtlMs);
    } catch (error) {
      // The marker expires on its own; until then a retry is told 409, never a wrong answer.
      this.cacheFailed('complete', error);
    }
  }

  private cacheFailed(operation: string, error: unknown): void {
    this.options.metrics.idempotencyCacheErrors.inc({ operation });
    // Every request fails the same way during an outage: the counter has them all, the log the
    // first one after each success (IdempotencyCache also logs the outage once).
    const level = this.cacheFailing ? 'debug' : 'warn';
    this.cacheFailing = true;
    this.options.logger[level](
      { operation, err: error instanceof Error ? error.message : String(error) },
      'idempotency.cache_failed',
    );
  }
}
