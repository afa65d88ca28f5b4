import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The last reported state of each dependency's circuit breaker (PaymentProviderStatusChanged). */
export class DependencyStatus1764600000000 implements MigrationInterface {
  name = 'DependencyStatus1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dependency_status (
        dependency text        PRIMARY KEY,
        state      text        NOT NULL,
        opened_at  timestamptz,
        reason     text,
        changed_at timestamptz NOT NULL
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE dependency_status');
  }
}
