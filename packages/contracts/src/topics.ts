// Topic names are part of the wire contract. This file has no imports on purpose: the native
// stack script loads it directly (Node type stripping) to create the topics before any build.

/**
 * The saga topics. Record key is the orderId, so one order's messages stay in order; the one
 * exception, PaymentProviderStatusChanged, is keyed by the dependency it is about (ADR 0012).
 */
export const TOPICS = {
  ordersEvents: 'orders.events',
  paymentsEvents: 'payments.events',
  inventoryEvents: 'inventory.events',
  paymentsCommands: 'payments.commands',
  inventoryCommands: 'inventory.commands',
} as const;

export type SagaTopic = (typeof TOPICS)[keyof typeof TOPICS];

export const SAGA_TOPICS: readonly SagaTopic[] = Object.values(TOPICS);

/** Every consumed topic has a dead-letter twin holding what could not be processed. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlt`;
}

export const ALL_TOPICS: readonly string[] = [...SAGA_TOPICS, ...SAGA_TOPICS.map(deadLetterTopic)];

/** Prefixing lets tests and parallel demos share one broker without seeing each other. */
export function topicName(topic: string, prefix = ''): string {
  return `${prefix}${topic}`;
}
