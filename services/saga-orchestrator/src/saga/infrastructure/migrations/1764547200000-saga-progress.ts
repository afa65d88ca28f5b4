import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the declared saga needs besides the undo stack: the steps done (in order), and why the
 * last compensation gave up (COMPENSATION_FAILED), for the operator.
 */
export class SagaProgress1764547200000 implements MigrationInterface {
  name = 'SagaProgress1764547200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE saga_instances
        ADD COLUMN done  text[] NOT NULL DEFAULT '{}',
        ADD COLUMN error text;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE saga_instances DROP COLUMN done, DROP COLUMN error');
  }
}
