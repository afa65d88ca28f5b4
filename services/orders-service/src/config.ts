import { z } from 'zod';
import { ORDER_SAGA } from '@order-saga/saga-definition';
import {
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
} from '@order-saga/service-runtime';

const OrdersConfig = z.object({
  ...baseConfigShape,
  ...kafkaConfigShape,
  ...databaseConfigShape,
  /**
   * How long a saga may run before it is compensated (milliseconds), within the declared saga's
   * bounds; an order may ask for its own (`deadlineSeconds`).
   */
  SAGA_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(ORDER_SAGA.deadline.minMs)
    .max(ORDER_SAGA.deadline.maxMs)
    .default(ORDER_SAGA.deadline.defaultMs),
  /**
   * How often the deadline sweeper (choreography) looks for sagas past their deadline, and the
   * backlog gauges are sampled (milliseconds).
   */
  SAGA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
});

export type OrdersConfig = z.infer<typeof OrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return loadConfig(OrdersConfig, env);
}
