import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Asynchronous payment results. A webhook arrives outside any Kafka message, so the payment keeps
 * what its outcome event needs to join the saga (correlation, trace, the message that asked for
 * the charge); and the signatures accepted within the tolerance window, so an exact replay of a
 * captured request is refused.
 */
export class PaymentWebhooks1764576000000 implements MigrationInterface {
  name = 'PaymentWebhooks1764576000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE payments
        ADD COLUMN requested_by   uuid,
        ADD COLUMN correlation_id text,
        ADD COLUMN traceparent    text,
        ADD COLUMN tracestate     text;

      CREATE TABLE webhook_signatures (
        signature   text        PRIMARY KEY,
        received_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX webhook_signatures_received_at_idx ON webhook_signatures (received_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE IF EXISTS webhook_signatures;
      ALTER TABLE payments
        DROP COLUMN IF EXISTS requested_by,
        DROP COLUMN IF EXISTS correlation_id,
        DROP COLUMN IF EXISTS traceparent,
        DROP COLUMN IF EXISTS tracestate;
    `);
  }
}
