import { z } from 'zod';

// What the payment provider's API answers, as the adapter relies on it. Plain objects, not strict:
// a provider adds fields over time, and an extra field must not break a charge. Anything that
// does not match is a malformed answer (PROVIDER.MALFORMED_RESPONSE), never a guess.

/** 200/201/202 to POST /v1/payments. `pending`: accepted asynchronously, the result follows by webhook. */
export const ProviderPayment = z.object({
  id: z.string().min(1),
  status: z.enum(['approved', 'declined', 'pending']),
  declineCode: z.string().nullish(),
});
export type ProviderPayment = z.infer<typeof ProviderPayment>;

/** 201 (or 200, a replay) to POST /v1/payments/{id}/refunds. */
export const ProviderRefund = z.object({ id: z.string().min(1) });

/** The provider's problem+json on a 4xx; every field optional, as providers differ in what they fill. */
export const ProviderProblem = z.object({
  code: z.string().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
});
export type ProviderProblem = z.infer<typeof ProviderProblem>;
