/**
 * How the order saga is run (docs/design.md). `choreography`: each participant reacts to the
 * facts it cares about. `orchestration`: the saga-orchestrator turns facts into commands and the
 * participants obey commands. Every service carries this value; what changes between the two is
 * each service's consumer routes (its `*.routes.ts` in application/), declared per mode.
 */
export const SAGA_MODES = ['choreography', 'orchestration'] as const;

export type SagaMode = (typeof SAGA_MODES)[number];
