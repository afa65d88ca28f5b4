import { z } from 'zod';
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
  /** How long a saga may run before it is compensated (milliseconds). */
  SAGA_DEADLINE_MS: z.coerce.number().int().min(1_000).default(300_000),
});

export type OrdersConfig = z.infer<typeof OrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return loadConfig(OrdersConfig, env);
}
