import { z } from 'zod';
import { baseConfigShape, loadConfig } from '@order-saga/service-runtime';

const ProviderConfig = z.object({ ...baseConfigShape });

export type ProviderConfig = z.infer<typeof ProviderConfig>;

export function loadProviderConfig(env: NodeJS.ProcessEnv = process.env): ProviderConfig {
  return loadConfig(ProviderConfig, env);
}
