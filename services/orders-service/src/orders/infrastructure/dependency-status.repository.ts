import { queryRows, type SqlExecutor } from '@order-saga/persistence';
import type { DependencyStatus } from '../domain/dependency-status';

interface Row {
  dependency: DependencyStatus['dependency'];
  state: DependencyStatus['state'];
  opened_at: Date | null;
  reason: string | null;
  changed_at: Date;
}

export class DependencyStatusRepository {
  /**
   * Keeps the report if it is newer than the one stored: two replicas may report one change, and
   * a late report must not undo a later one. Returns whether it was kept.
   */
  async record(tx: SqlExecutor, status: DependencyStatus): Promise<boolean> {
    const rows = await queryRows<{ dependency: string }>(
      tx,
      `INSERT INTO dependency_status (dependency, state, opened_at, reason, changed_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dependency) DO UPDATE
         SET state = EXCLUDED.state, opened_at = EXCLUDED.opened_at, reason = EXCLUDED.reason,
             changed_at = EXCLUDED.changed_at
         WHERE dependency_status.changed_at < EXCLUDED.changed_at
       RETURNING dependency`,
      [status.dependency, status.state, status.openedAt, status.reason, status.changedAt],
    );
    return rows.length > 0;
  }

  async find(
    db: SqlExecutor,
    dependency: DependencyStatus['dependency'],
  ): Promise<DependencyStatus | undefined> {
    const [row] = await queryRows<Row>(
      db,
      'SELECT * FROM dependency_status WHERE dependency = $1',
      [dependency],
    );
    if (row === undefined) return undefined;
    return {
      dependency: row.dependency,
      state: row.state,
      openedAt: row.opened_at?.toISOString() ?? null,
      reason: row.reason,
      changedAt: row.changed_at.toISOString(),
    };
  }
}
