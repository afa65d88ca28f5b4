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
  /** Largest POST body accepted; an order has at most 100 lines, far below this. */
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).max(10_485_760).default(65_536),
  /** How long a saga may run before it is compensated (milliseconds). */
  SAGA_DEADLINE_MS: z.coerce.number().int().min(1_000).default(300_000),
  KAFKA_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
});

export type OrdersConfig = z.infer<typeof OrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return loadConfig(OrdersConfig, env);
}
