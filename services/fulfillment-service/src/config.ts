import { z } from 'zod';
import { loadConfig, sagaParticipantConfigShape } from '@order-saga/service-runtime';

const FulfillmentConfig = z.object({
  ...sagaParticipantConfigShape,
});

export type FulfillmentConfig = z.infer<typeof FulfillmentConfig>;

export function loadFulfillmentConfig(env: NodeJS.ProcessEnv = process.env): FulfillmentConfig {
  return loadConfig(FulfillmentConfig, env);
}
