import type { ServiceIdentity } from '@order-saga/service-runtime';

/** Who this service is, declared once: logs, metrics, message source, inbox and consumer group. */
export const SERVICE = {
  name: 'payments-adapter',
  consumer: 'payments-adapter.saga',
} as const satisfies ServiceIdentity;
