import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { namedStatement, queryRows, useNamedStatements } from '@order-saga/persistence';
import { scratch, type Scratch } from './support/scratch.ts';

// A NamedStatement through TypeORM's query runner really is a prepared statement on the
// connection (pg's { name, text } config passes through TypeORM untouched), and plain text when off.

let s: Scratch;

beforeAll(async () => {
  s = await scratch('named_statements');
});

afterAll(async () => {
  await s?.dispose();
});

afterEach(() => useNamedStatements(true));

const DOUBLE = namedStatement('SELECT $1::int * 2 AS doubled');

async function preparedOnThisConnection(): Promise<string[]> {
  return s.db.transaction(async (tx) => {
    for (const n of [1, 2, 3]) {
      const [row] = await queryRows<{ doubled: number }>(tx, DOUBLE, [n]);
      expect(row?.doubled).toBe(n * 2);
    }
    const rows = await queryRows<{ name: string }>(
      tx,
      'SELECT name FROM pg_prepared_statements WHERE name = $1',
      [DOUBLE.name],
    );
    return rows.map((row) => row.name);
  });
}

describe('named statements', () => {
  it('are prepared once on the connection and answer like plain SQL', async () => {
    expect(await preparedOnThisConnection()).toEqual([DOUBLE.name]);
  });

  it('are sent as plain text when turned off', async () => {
    // A fresh pool connection: the scratch pool's connections may already hold the statement.
    const fresh = await scratch('named_statements_off');
    try {
      useNamedStatements(false);
      const rows = await fresh.db.transaction(async (tx) => {
        await queryRows(tx, DOUBLE, [1]);
        return queryRows<{ name: string }>(tx, 'SELECT name FROM pg_prepared_statements', []);
      });
      expect(rows).toEqual([]);
    } finally {
      await fresh.dispose();
    }
  });
});
