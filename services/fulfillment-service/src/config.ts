import { z } from 'zod';
import {
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
  retryConfigShape,
} from '@order-saga/service-runtime';

const FulfillmentConfig = z.object({
  ...baseConfigShape,
  ...kafkaConfigShape,
  ...databaseConfigShape,
  ...retryConfigShape,
});

export type FulfillmentConfig = z.infer<typeof FulfillmentConfig>;

export function loadFulfillmentConfig(env: NodeJS.ProcessEnv = process.env): FulfillmentConfig {
  return loadConfig(FulfillmentConfig, env);
}
