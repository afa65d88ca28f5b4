import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSagas1732780300000 implements MigrationInterface {
  name = 'CreateSagas1732780300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE saga_instances (
        order_id      uuid        PRIMARY KEY,
        status        text        NOT NULL,
        step          text        NOT NULL,
        compensations text[]      NOT NULL DEFAULT '{}',
        order_data    jsonb       NOT NULL,
        reason        text,
        deadline      timestamptz NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      );
      -- Running sagas by deadline: what a deadline sweeper scans.
      CREATE INDEX saga_instances_running_deadline_idx ON saga_instances (deadline)
        WHERE status IN ('RUNNING', 'COMPENSATING');
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS saga_instances');
  }
}
