/**
 * The slice of a database connection the messaging code needs. TypeORM's EntityManager and
 * DataSource satisfy it structurally, so these packages stay free of any ORM.
 */
export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface TransactionRunner extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** Rows of a query whose SQL ends in RETURNING or is a SELECT. */
export async function queryRows<Row>(
  executor: SqlExecutor,
  sql: string,
  parameters?: unknown[],
): Promise<Row[]> {
  const result = await executor.query(sql, parameters);
  if (!Array.isArray(result)) throw new Error(`expected rows from query: ${sql.slice(0, 60)}`);
  // TypeORM's postgres driver answers UPDATE and DELETE with [rows, affectedCount] instead of rows.
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as Row[];
  return result as Row[];
}
