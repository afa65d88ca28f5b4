import { z } from 'zod';
import {
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
} from '@order-saga/service-runtime';

const OrchestratorConfig = z.object({
  ...baseConfigShape,
  ...kafkaConfigShape,
  ...databaseConfigShape,
});

export type OrchestratorConfig = z.infer<typeof OrchestratorConfig>;

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return loadConfig(OrchestratorConfig, env);
}
