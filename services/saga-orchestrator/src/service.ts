import type { ServiceIdentity } from '@order-saga/service-runtime';

/** Who this service is, declared once: logs, metrics, message source, inbox and consumer group. */
export const SERVICE = {
  name: 'saga-orchestrator',
  consumer: 'saga-orchestrator.saga',
} as const satisfies ServiceIdentity;
