import { createHash } from 'node:crypto';

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

/**
 * A hot-path statement PostgreSQL parses and plans once per connection (a named prepared
 * statement) instead of on every call. The name is derived from the text, so two texts never
 * share a name (pg rejects a name reused with another text) and the same text always has one.
 */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** The statement for `text`, named by a hash of it. Build it once (a module constant). */
export function namedStatement(text: string): NamedStatement {
  return { name: `s_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
}

// DATABASE_NAMED_STATEMENTS: off behind a pooler in transaction mode that does not track
// prepared statements (PgBouncer before 1.21, or without max_prepared_statements).
let namedStatements = true;

/** Whether NamedStatements are sent named (the default) or as plain text. Set once at boot. */
export function useNamedStatements(enabled: boolean): void {
  namedStatements = enabled;
}

/** Runs `statement` (SQL text or a NamedStatement) and returns what the executor answers. */
export function execute(
  executor: SqlExecutor,
  statement: string | NamedStatement,
  parameters?: unknown[],
): Promise<unknown> {
  if (typeof statement === 'string') return executor.query(statement, parameters);
  if (!namedStatements) return executor.query(statement.text, parameters);
  // TypeORM's query runner hands its first argument to pg's `query` unchanged, and pg takes a
  // query config { name, text } there; TypeORM only types it as a string. A fresh object each
  // call: pg writes the values into the config it is given.
  const config = { name: statement.name, text: statement.text };
  return executor.query(config as unknown as string, parameters);
}

/** Rows of a query whose SQL ends in RETURNING or is a SELECT. */
export async function queryRows<Row>(
  executor: SqlExecutor,
  statement: string | NamedStatement,
  parameters?: unknown[],
): Promise<Row[]> {
  const result = await execute(executor, statement, parameters);
  if (!Array.isArray(result)) {
    const text = typeof statement === 'string' ? statement : statement.text;
    throw new Error(`expected rows from query: ${text.slice(0, 60)}`);
  }
  // TypeORM's postgres driver answers UPDATE and DELETE with [rows, affectedCount] instead of rows.
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as Row[];
  return result as Row[];
}
