import { describe, expect, it } from 'vitest';
import { planReservation } from './reservation';

const stock = new Map([
  ['A', 5],
  ['B', 0],
]);

describe('planReservation', () => {
  it('reserves when every line fits', () => {
    const plan = planReservation([{ sku: 'A', quantity: 5, unitPrice: 1 }], stock);
    expect(plan).toEqual({ ok: true, quantities: new Map([['A', 5]]) });
  });

  it('adds up lines of the same SKU before comparing', () => {
    const plan = planReservation(
      [
        { sku: 'A', quantity: 3, unitPrice: 1 },
        { sku: 'A', quantity: 3, unitPrice: 1 },
      ],
      stock,
    );
    expect(plan).toEqual({ ok: false, reason: 'OUT_OF_STOCK', skus: ['A'] });
  });

  it('reports unknown SKUs before shortages', () => {
    const plan = planReservation(
      [
        { sku: 'B', quantity: 1, unitPrice: 1 },
        { sku: 'Z', quantity: 1, unitPrice: 1 },
      ],
      stock,
    );
    expect(plan).toEqual({ ok: false, reason: 'UNKNOWN_SKU', skus: ['Z'] });
  });
});
