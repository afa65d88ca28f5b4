import type { ServiceIdentity } from '@order-saga/service-runtime';

/** Who this service is, declared once: logs, metrics, message source, inbox and consumer group. */
export const SERVICE = {
  name: 'orders-service',
  consumer: 'orders-service.saga',
} as const satisfies ServiceIdentity;
