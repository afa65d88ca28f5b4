import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInventory1732780200000 implements MigrationInterface {
  name = 'CreateInventory1732780200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE stock_levels (
        sku        text        PRIMARY KEY,
        -- The CHECK is the last line of defence; reservations check availability under a row lock.
        available  integer     NOT NULL CHECK (available >= 0),
        reserved   integer     NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE inventory_reservations (
        id         uuid        PRIMARY KEY,
        order_id   uuid        NOT NULL UNIQUE,
        status     text        NOT NULL,
        items      jsonb       NOT NULL,
        reason     text,
        skus       text[],
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- Demo catalogue. Tests create their own SKUs through the API.
      INSERT INTO stock_levels (sku, available) VALUES
        ('SKU-DEMO-1', 1000000), ('SKU-DEMO-2', 1000000), ('SKU-LIMITED', 5), ('SKU-SOLD-OUT', 0);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS inventory_reservations, stock_levels');
  }
}
