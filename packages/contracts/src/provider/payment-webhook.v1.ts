import { z } from 'zod';
import { Currency, MinorUnits } from '../common';

/**
 * The payment provider's asynchronous results, POSTed to the adapter's /payments/callback. One
 * payment produces a `payment.processing` and then a final `payment.succeeded` or
 * `payment.failed` event; like a real processor's, they may arrive twice or out of order, and
 * the receiver must treat each `id` once and never move a payment backwards.
 */
export const PAYMENT_WEBHOOK_TYPES = [
  'payment.processing',
  'payment.succeeded',
  'payment.failed',
] as const;
export type PaymentWebhookType = (typeof PAYMENT_WEBHOOK_TYPES)[number];

export const PaymentWebhookEvent = z.strictObject({
  /** Unique per event (not per delivery): the receiver's inbox key. */
  id: z.uuid(),
  type: z.enum(PAYMENT_WEBHOOK_TYPES),
  /** When the provider created the event, ISO 8601. */
  created: z.iso.datetime(),
  data: z.strictObject({
    /** The provider's payment id. */
    id: z.string().min(1).max(128),
    /** The merchant's reference sent with the charge: the order id. */
    reference: z.string().min(1).max(128),
    amount: MinorUnits,
    currency: Currency,
    status: z.enum(['pending', 'approved', 'declined']),
    declineCode: z.string().max(64).nullable(),
  }),
});
export type PaymentWebhookEvent = z.infer<typeof PaymentWebhookEvent>;
