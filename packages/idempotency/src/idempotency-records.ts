import { queryRows, type SqlExecutor } from '@order-saga/persistence';

/** A response as it went out: replayed with exactly this status, these headers and these bytes. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface IdempotencyRecord {
  readonly scope: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly response: StoredResponse;
  readonly expiresAt: Date;
}

interface RecordRow {
  fingerprint: string;
  status_code: number;
  headers: Record<string, string>;
  body: string;
  expires_at: Date;
}

/**
 * The durable idempotency records in the service's own database: the source of truth. A key is
 * taken once its row commits; the Redis cache in front of it may lose everything at any time.
 */
export class IdempotencyRecords {
  /** The live (unexpired) record of a key, if any. */
  async find(db: SqlExecutor, scope: string, key: string): Promise<IdempotencyRecord | undefined> {
    const [row] = await queryRows<RecordRow>(
      db,
      `SELECT fingerprint, status_code, headers, body, expires_at
         FROM idempotency_keys
        WHERE scope = $1 AND idempotency_key = $2 AND expires_at > now()`,
      [scope, key],
    );
    if (row === undefined) return undefined;
    return {
      scope,
      key,
      fingerprint: row.fingerprint,
      response: { status: row.status_code, headers: row.headers, body: row.body },
      expiresAt: row.expires_at,
    };
  }

  /**
   * Records a response in the caller's transaction. Returns when the record expires (by the
   * database's clock, which the sweeper and find() judge by), or undefined when a live record of
   * that key already exists: another request with the key committed first (possible only when the Redis
   * marker was lost or expired), so the caller must roll back its effects. An expired record is
   * replaced. Under READ COMMITTED the insert waits for a concurrent holder of the key to commit
   * or roll back, so exactly one of two racing requests ever records.
   */
  async record(
    tx: SqlExecutor,
    record: Omit<IdempotencyRecord, 'expiresAt'>,
    ttlMs: number,
  ): Promise<Date | undefined> {
    const rows = await queryRows<{ expires_at: Date }>(
      tx,
      `INSERT INTO idempotency_keys AS k
              (scope, idempotency_key, fingerprint, status_code, headers, body, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7 / 1000.0))
       ON CONFLICT (scope, idempotency_key) DO UPDATE
          SET fingerprint = EXCLUDED.fingerprint, status_code = EXCLUDED.status_code,
              headers = EXCLUDED.headers, body = EXCLUDED.body,
              created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE k.expires_at <= now()
       RETURNING k.expires_at`,
      [
        record.scope,
        record.key,
        record.fingerprint,
        record.response.status,
        JSON.stringify(record.response.headers),
        record.response.body,
        ttlMs,
      ],
    );
    return rows[0]?.expires_at;
  }

  /**
   * Deletes up to `limit` expired records, oldest first, skipping rows another replica's sweep
   * holds. Returns how many went.
   */
  async deleteExpired(db: SqlExecutor, limit: number): Promise<number> {
    const rows = await queryRows<{ scope: string }>(
      db,
      `DELETE FROM idempotency_keys
        WHERE (scope, idempotency_key) IN (
          SELECT scope, idempotency_key FROM idempotency_keys
           WHERE expires_at <= now()
           ORDER BY expires_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
       RETURNING scope`,
      [limit],
    );
    return rows.length;
  }
}
