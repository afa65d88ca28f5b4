import { afterEach, describe, expect, it } from 'vitest';
import { execute, namedStatement, queryRows, useNamedStatements, type SqlExecutor } from './sql';

function recording(answer: unknown = []): SqlExecutor & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    query: (sql, parameters) =>
      Promise.resolve(void calls.push([sql, parameters])).then(() => answer),
  };
}

describe('namedStatement', () => {
  it('names the same text the same way every time', () => {
    expect(namedStatement('SELECT 1').name).toBe(namedStatement('SELECT 1').name);
  });

  it('gives different texts different names', () => {
    const texts = ['SELECT 1', 'SELECT 1 ', 'SELECT 2', 'SELECT $1', ''];
    const names = new Set(texts.map((text) => namedStatement(text).name));
    expect(names.size).toBe(texts.length);
  });

  it('keeps the text and a name PostgreSQL accepts (an identifier under 63 bytes)', () => {
    const statement = namedStatement('SELECT $1::int');
    expect(statement.text).toBe('SELECT $1::int');
    expect(statement.name).toMatch(/^[a-z_][a-z0-9_]{1,62}$/);
  });
});

describe('execute', () => {
  afterEach(() => useNamedStatements(true));

  it('sends a named statement as a pg query config, a fresh one each call', async () => {
    const db = recording();
    const statement = namedStatement('SELECT $1');
    await execute(db, statement, [1]);
    await execute(db, statement, [2]);
    expect(db.calls).toEqual([
      [{ name: statement.name, text: 'SELECT $1' }, [1]],
      [{ name: statement.name, text: 'SELECT $1' }, [2]],
    ]);
    expect(db.calls[0]?.[0]).not.toBe(db.calls[1]?.[0]);
    expect(db.calls[0]?.[0]).not.toBe(statement);
  });

  it('sends only the text when named statements are off', async () => {
    const db = recording();
    useNamedStatements(false);
    await execute(db, namedStatement('SELECT $1'), [1]);
    expect(db.calls).toEqual([['SELECT $1', [1]]]);
  });

  it('sends plain SQL as it is', async () => {
    const db = recording();
    await execute(db, 'SELECT 1');
    expect(db.calls).toEqual([['SELECT 1', undefined]]);
  });
});

describe('queryRows', () => {
  it('unwraps the [rows, affected] answer of an UPDATE', async () => {
    const rows = await queryRows(recording([[{ id: 1 }], 1]), namedStatement('UPDATE t'));
    expect(rows).toEqual([{ id: 1 }]);
  });
});
