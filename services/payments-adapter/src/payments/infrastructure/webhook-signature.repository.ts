import { queryRows, type SqlExecutor } from '@order-saga/persistence';

/**
 * The webhook signatures accepted recently. A signature covers its timestamp and body, so a
 * fresh delivery of the same event carries a new one; the same one again is a captured request
 * replayed. Rows are kept for twice the tolerance (a timestamp may be up to one tolerance ahead
 * of our clock), after which the timestamp check alone refuses the request.
 */
export class WebhookSignatureRepository {
  /**
   * Records `signature` in the caller's transaction; false if it was already there. A concurrent
   * insert of the same one waits on the primary key, so only one of two racing replays wins.
   */
  async remember(tx: SqlExecutor, signature: string, toleranceSeconds: number): Promise<boolean> {
    const rows = await queryRows<{ signature: string }>(
      tx,
      `WITH pruned AS (
         DELETE FROM webhook_signatures WHERE received_at < now() - make_interval(secs => $2 * 2)
       )
       INSERT INTO webhook_signatures (signature) VALUES ($1)
       ON CONFLICT DO NOTHING RETURNING signature`,
      [signature, toleranceSeconds],
    );
    return rows.length === 1;
  }
}
