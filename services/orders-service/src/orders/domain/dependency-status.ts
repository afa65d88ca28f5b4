import type { OrderStatus } from './order-status';

/**
 * The last word of a dependency's circuit breaker, as the payments adapter reported it
 * (PaymentProviderStatusChanged). Times are ISO 8601.
 */
export interface DependencyStatus {
  readonly dependency: 'payment-provider';
  readonly state: 'closed' | 'half-open' | 'open';
  readonly openedAt: string | null;
  readonly reason: string | null;
  readonly changedAt: string;
}

/** Why an order in flight is not moving, when this service knows: its payment cannot be made now. */
export interface OrderWaiting {
  readonly on: 'payment-provider';
  readonly state: 'half-open' | 'open';
  /** Since when it has been waiting: the breaker's opening. */
  readonly since: string;
  /** For people: "waiting for the payment provider (breaker open since ...)". */
  readonly reason: string;
}

/** Orders whose payment has not been decided: they wait while the provider's breaker is open. */
const WAITING_FOR_PAYMENT: ReadonlySet<OrderStatus> = new Set(['CREATED', 'PAYMENT_PENDING']);

/**
 * Whether an order waits for the payment provider. CREATED counts too: while the breaker is open
 * the adapter pauses its consumption, so an order placed meanwhile has not even been taken up.
 */
export function orderWaiting(
  status: OrderStatus,
  provider: DependencyStatus | undefined,
): OrderWaiting | null {
  if (provider === undefined || provider.state === 'closed' || !WAITING_FOR_PAYMENT.has(status))
    return null;
  const since = provider.openedAt ?? provider.changedAt;
  const breaker =
    provider.state === 'open'
      ? `breaker open since ${since}`
      : `breaker half-open since ${provider.changedAt}, probing`;
  return {
    on: 'payment-provider',
    state: provider.state,
    since,
    reason: `waiting for the payment provider (${breaker})`,
  };
}
