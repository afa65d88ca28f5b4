import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { z } from 'zod';
import { Sku, problemFieldsOf } from '@order-saga/contracts';
import { ProblemError } from '@order-saga/service-runtime';
import { StockLevels, type StockLevel } from '../application/stock-levels';

const SetStock = z.strictObject({ available: z.number().int().min(0).max(1_000_000_000) });

/** Stock administration: how the demo and tests put goods on the shelf. */
@Controller('inventory')
export class InventoryController {
  constructor(@Inject(StockLevels) private readonly stock: StockLevels) {}

  @Put(':sku')
  async set(@Param('sku') sku: string, @Body() body: unknown): Promise<StockLevel> {
    const update = SetStock.safeParse(body);
    const fields = [
      ...(Sku.safeParse(sku).success ? [] : [{ field: 'sku', message: 'is not a valid SKU' }]),
      ...(update.success ? [] : problemFieldsOf(update.error)),
    ];
    if (fields.length > 0)
      throw new ProblemError(400, 'INVENTORY.VALIDATION_FAILED', 'The stock update is invalid', {
        errors: fields,
      });
    return this.stock.set(sku, SetStock.parse(body).available);
  }

  @Get(':sku')
  async get(@Param('sku') sku: string): Promise<StockLevel> {
    const level = await this.stock.get(sku);
    if (level === undefined)
      throw new ProblemError(404, 'INVENTORY.SKU_NOT_FOUND', 'No such SKU', {
        detail: `SKU ${sku.slice(0, 64)} is not stocked`,
      });
    return level;
  }
}
