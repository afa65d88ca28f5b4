import { z } from 'zod';
import { loadConfig, sagaParticipantConfigShape } from '@order-saga/service-runtime';

const OrchestratorConfig = z.object({
  ...sagaParticipantConfigShape,
  /**
   * How often the deadline sweeper looks for sagas past their deadline (milliseconds). A saga is
   * given up at most this long after its deadline.
   */
  SAGA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
});

export type OrchestratorConfig = z.infer<typeof OrchestratorConfig>;

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return loadConfig(OrchestratorConfig, env);
}
