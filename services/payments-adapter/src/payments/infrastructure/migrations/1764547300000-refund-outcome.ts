import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why a refund was asked for, and the provider's last refusal when it gave up (REFUND_FAILED). */
export class RefundOutcome1764547300000 implements MigrationInterface {
  name = 'RefundOutcome1764547300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE payments
        ADD COLUMN refund_reason         text,
        ADD COLUMN refund_error          text,
        ADD COLUMN refund_correlation_id text,
        ADD COLUMN refund_traceparent    text;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE payments DROP COLUMN refund_reason, DROP COLUMN refund_error,
         DROP COLUMN refund_correlation_id, DROP COLUMN refund_traceparent`);
  }
}
