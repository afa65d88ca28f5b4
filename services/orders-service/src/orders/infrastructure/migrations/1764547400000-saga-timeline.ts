import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What deadlines and the declared saga's timeline need: the new step ranks (a failed
 * compensation can still succeed on an operator's retry), the sweeper's and the backlog gauges'
 * indexes, and the late facts (a success that arrived after the saga gave up).
 */
export class SagaTimeline1764547400000 implements MigrationInterface {
  name = 'SagaTimeline1764547400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      -- Mirrors STEP_STATUS_RANK in @order-saga/saga-definition.
      CREATE OR REPLACE FUNCTION saga_step_rank(status text) RETURNS integer
        LANGUAGE sql IMMUTABLE AS $$
          SELECT CASE status WHEN 'PENDING' THEN 0 WHEN 'IN_PROGRESS' THEN 1
                             WHEN 'FAILED' THEN 2 WHEN 'SKIPPED' THEN 2
                             WHEN 'SUCCEEDED' THEN 3 WHEN 'COMPENSATED' THEN 4 ELSE 2 END
        $$;

      -- The deadline sweeper: running sagas by deadline.
      CREATE INDEX orders_running_deadline_idx ON orders (deadline)
        WHERE status IN ('CREATED', 'PAYMENT_PENDING', 'PAID');
      -- The backlog gauges: unfinished sagas by status and age.
      CREATE INDEX orders_unfinished_idx ON orders (status, created_at)
        WHERE status IN ('CREATED', 'PAYMENT_PENDING', 'PAID', 'COMPENSATING');

      CREATE TABLE order_late_facts (
        id           bigserial   PRIMARY KEY,
        order_id     uuid        NOT NULL REFERENCES orders (id),
        message_id   uuid        NOT NULL,
        message_type text        NOT NULL,
        order_status text        NOT NULL,
        at           timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX order_late_facts_order_idx ON order_late_facts (order_id, id);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE IF EXISTS order_late_facts;
      DROP INDEX IF EXISTS orders_running_deadline_idx, orders_unfinished_idx;
    `);
  }
}
