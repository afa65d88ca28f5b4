import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemFieldsOf } from './problem-fields';

const Order = z.strictObject({ items: z.array(z.strictObject({ sku: z.string().min(1) })) });

describe('problemFieldsOf', () => {
  it('names nested fields by their dotted path', () => {
    const result = Order.safeParse({ items: [{ sku: '' }] });
    expect(problemFieldsOf(result.error as z.ZodError)).toEqual([
      { field: 'items.0.sku', message: expect.any(String) as string },
    ]);
  });

  it('names each unknown key of a strict object, at its own path', () => {
    const result = Order.safeParse({ items: [{ sku: 'A', qty: 1 }], note: 'x' });
    expect(
      problemFieldsOf(result.error as z.ZodError).sort((a, b) => a.field.localeCompare(b.field)),
    ).toEqual([
      { field: 'items.0.qty', message: 'unknown field' },
      { field: 'note', message: 'unknown field' },
    ]);
  });

  it('names the input as a whole with the given root', () => {
    const result = z.string().safeParse(42);
    expect(problemFieldsOf(result.error as z.ZodError, '(query)')[0]?.field).toBe('(query)');
  });
});
