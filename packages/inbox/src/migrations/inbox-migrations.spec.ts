import { describe, expect, it } from 'vitest';
import { migrationChecksum } from '@order-saga/persistence';
import { INBOX_MIGRATIONS, INBOX_VERSIONS } from './index';

// A released version is frozen: databases have run it and will never run it again. Change the
// inbox schema by appending a version here (with its checksum), never by editing one.
const RELEASED: Record<string, string> = {
  InboxV1_1732770000001: 'fc4080dfb03e509a6877aa29750b3490a3ad0d9be51cd828ca8745318083190f',
};

describe('inbox migrations', () => {
  it('keeps every released version byte for byte', () => {
    const shipped = Object.fromEntries(INBOX_VERSIONS.map((v) => [v.name, migrationChecksum(v)]));
    expect(shipped).toEqual(RELEASED);
  });

  it('ships them as TypeORM migration classes, oldest first', () => {
    expect(INBOX_MIGRATIONS.map((M) => new M().name)).toEqual(Object.keys(RELEASED));
  });
});
