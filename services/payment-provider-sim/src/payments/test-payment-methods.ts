/**
 * Deterministic test payment methods, in the spirit of a card processor's test cards: the token
 * alone decides the outcome, so tests and the demo choose their saga path. Unknown tokens are
 * rejected as invalid (a real processor would not know them either).
 */
export type Outcome =
  | {
      readonly kind: 'approve';
      /** The issuer refuses every refund of this card: the saga's compensation cannot complete. */
      readonly refusesRefunds?: true;
    }
  | { readonly kind: 'decline'; readonly declineCode: string };

const METHODS: Readonly<Record<string, Outcome>> = {
  pm_card_visa: { kind: 'approve' },
  pm_card_mastercard: { kind: 'approve' },
  pm_card_approved: { kind: 'approve' },
  pm_card_refund_fails: { kind: 'approve', refusesRefunds: true },
  pm_card_declined: { kind: 'decline', declineCode: 'generic_decline' },
  pm_card_insufficient_funds: { kind: 'decline', declineCode: 'insufficient_funds' },
  pm_card_expired: { kind: 'decline', declineCode: 'expired_card' },
};

export function outcomeFor(paymentMethod: string): Outcome | undefined {
  return METHODS[paymentMethod];
}

export const TEST_PAYMENT_METHODS: readonly string[] = Object.keys(METHODS);
