import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePayments1732780100000 implements MigrationInterface {
  name = 'CreatePayments1732780100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE payments (
        id                  uuid        PRIMARY KEY,
        order_id            uuid        NOT NULL UNIQUE,
        amount              bigint      NOT NULL CHECK (amount >= 0),
        currency            char(3)     NOT NULL,
        payment_method      text        NOT NULL,
        items               jsonb       NOT NULL,
        status              text        NOT NULL,
        provider_payment_id text,
        provider_refund_id  text,
        failure_reason      text,
        attempts            integer     NOT NULL DEFAULT 0,
        refund_attempts     integer     NOT NULL DEFAULT 0,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      );

      -- One row per call to the provider: the raw material for retry-rate and latency questions.
      CREATE TABLE payment_attempts (
        id          bigserial   PRIMARY KEY,
        payment_id  uuid        NOT NULL REFERENCES payments (id),
        operation   text        NOT NULL,
        outcome     text        NOT NULL,
        duration_ms integer     NOT NULL,
        at          timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX payment_attempts_payment_idx ON payment_attempts (payment_id);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS payment_attempts, payments');
  }
}
