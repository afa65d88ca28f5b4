import { describe, expect, it } from 'vitest';
import { migrationChecksum } from '@order-saga/persistence';
import { OUTBOX_MIGRATIONS, OUTBOX_VERSIONS } from './index';

// A released version is frozen: databases have run it and will never run it again. Change the
// outbox schema by appending a version here (with its checksum), never by editing one.
const RELEASED: Record<string, string> = {
  OutboxV1_1732770000000: 'a91ab9d6f6f46c8405132b4053967e6a6b7302b795a0eab3a3a1ccc03fc24caf',
};

describe('outbox migrations', () => {
  it('keeps every released version byte for byte', () => {
    const shipped = Object.fromEntries(OUTBOX_VERSIONS.map((v) => [v.name, migrationChecksum(v)]));
    expect(shipped).toEqual(RELEASED);
  });

  it('ships them as TypeORM migration classes, oldest first', () => {
    expect(OUTBOX_MIGRATIONS.map((M) => new M().name)).toEqual(Object.keys(RELEASED));
  });
});
