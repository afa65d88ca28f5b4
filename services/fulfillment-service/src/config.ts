import { z } from 'zod';
import {
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
} from '@order-saga/service-runtime';

const FulfillmentConfig = z.object({
  ...baseConfigShape,
  ...kafkaConfigShape,
  ...databaseConfigShape,
  KAFKA_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
});

export type FulfillmentConfig = z.infer<typeof FulfillmentConfig>;

export function loadFulfillmentConfig(env: NodeJS.ProcessEnv = process.env): FulfillmentConfig {
  return loadConfig(FulfillmentConfig, env);
}
