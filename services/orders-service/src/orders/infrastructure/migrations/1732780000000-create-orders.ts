import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOrders1732780000000 implements MigrationInterface {
  name = 'CreateOrders1732780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id             uuid        PRIMARY KEY,
        customer_id    text        NOT NULL,
        currency       char(3)     NOT NULL,
        total          bigint      NOT NULL CHECK (total >= 0),
        payment_method text        NOT NULL,
        status         text        NOT NULL,
        reason         text,
        correlation_id text        NOT NULL,
        trace_id       char(32)    NOT NULL,
        deadline       timestamptz NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      );
      -- GET /orders lists newest first, optionally by status, with a keyset cursor.
      CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC);
      CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC);

      CREATE TABLE order_items (
        order_id   uuid     NOT NULL REFERENCES orders (id),
        line_no    smallint NOT NULL,
        sku        text     NOT NULL,
        quantity   integer  NOT NULL CHECK (quantity > 0),
        unit_price bigint   NOT NULL CHECK (unit_price >= 0),
        PRIMARY KEY (order_id, line_no)
      );

      CREATE TABLE order_transitions (
        id           bigserial   PRIMARY KEY,
        order_id     uuid        NOT NULL REFERENCES orders (id),
        from_status  text,
        to_status    text        NOT NULL,
        reason       text,
        message_id   uuid,
        message_type text,
        at           timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX order_transitions_order_idx ON order_transitions (order_id, id);

      CREATE TABLE saga_steps (
        order_id    uuid        NOT NULL REFERENCES orders (id),
        name        text        NOT NULL,
        status      text        NOT NULL,
        attempts    integer     NOT NULL DEFAULT 0,
        detail      text,
        started_at  timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (order_id, name)
      );

      -- Steps only move forward; the upsert in the repository compares these ranks.
      CREATE FUNCTION saga_step_rank(status text) RETURNS integer
        LANGUAGE sql IMMUTABLE AS $$
          SELECT CASE status WHEN 'PENDING' THEN 0 WHEN 'IN_PROGRESS' THEN 1
                             WHEN 'COMPENSATED' THEN 3 ELSE 2 END
        $$;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE IF EXISTS saga_steps, order_transitions, order_items, orders;
      DROP FUNCTION IF EXISTS saga_step_rank(text);
    `);
  }
}
