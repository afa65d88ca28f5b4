import { describe, expect, it } from 'vitest';
import { migrationChecksum } from '@order-saga/persistence';
import { IDEMPOTENCY_MIGRATIONS, IDEMPOTENCY_VERSIONS } from './index';

// A released version is frozen: databases have run it and will never run it again. Change the
// schema by appending a version here (with its checksum), never by editing one.
const RELEASED: Record<string, string> = {
  IdempotencyV1_1764576000000: 'e2a7b7f2f54d35d610d9d34029874c570cfd08af5b041613b392eb0807211165',
};

describe('idempotency migrations', () => {
  it('keeps every released version byte for byte', () => {
    const shipped = Object.fromEntries(
      IDEMPOTENCY_VERSIONS.map((v) => [v.name, migrationChecksum(v)]),
    );
    expect(shipped).toEqual(RELEASED);
  });

  it('ships them as TypeORM migration classes, oldest first', () => {
    expect(IDEMPOTENCY_MIGRATIONS.map((M) => new M().name)).toEqual(Object.keys(RELEASED));
  });
});
