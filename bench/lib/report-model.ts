// The shape of a run's results: what the .json file holds and what the markdown is rendered
// from. Kept apart from the rendering so that the code producing results needs only the types.
import type { Summary } from './histogram.ts';
import type { PhaseResult } from './phases.ts';
import type { MachineInfo } from './proc.ts';
import type { ProfileSummary } from './profile-summary.ts';
import type { DeadLetter } from './saga-events.ts';

export interface FloorFigure {
  readonly latency: Summary;
  /** CPU milliseconds per operation, client and server processes together. */
  readonly cpuMs: number;
}

export interface Floors {
  readonly transaction: FloorFigure;
  readonly noop: FloorFigure;
  readonly kafka: FloorFigure;
}

export interface FinalChecks {
  readonly ok: boolean;
  readonly ordersSeen: number;
  readonly ordersInDatabase: number;
  readonly byStatus: Record<string, number>;
  readonly noOutcome: number;
  readonly doubleOutcome: number;
  readonly redeliveredOutcomes: number;
  readonly wrongOutcomes: number;
  readonly deadLetters: readonly DeadLetter[];
  readonly deadLetterCount: number;
  readonly stuck: ReadonlyArray<{ id: string; status: string; steps: string }>;
  readonly unknownTypes: number;
  /** Per service: warn/error log lines counted by level and message. */
  readonly logs: Record<string, Record<string, number>>;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly durationS: number;
  readonly label: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly versions: Record<string, string>;
  readonly postgresSettings: Record<string, string>;
  readonly config: {
    readonly isolation: string;
    readonly mode: 'choreography' | 'orchestration';
    /** `default`: the services' own sampling (every trace to Zipkin); `off`: OTEL_SDK_DISABLED. */
    readonly tracing: 'default' | 'off';
    /** The configuration's name in a matrix run, e.g. "orchestration, tracing off". */
    readonly name: string;
    readonly services: readonly string[];
    readonly partitions: number;
    readonly serviceEnv: Record<string, Record<string, string> | undefined>;
    readonly mix: { skus: number; declineEvery: number };
    readonly drainTimeoutMs: number;
  };
  readonly floors: Floors;
  /** The start, ms after the launch: each service's first /health/ready 200, all, first order. */
  readonly startup: {
    readonly readyAfterLaunchMs: Record<string, number>;
    readonly allReadyAfterLaunchMs: number;
    /** From the last service ready to the first order (observer joined, stock set). */
    readonly firstOrderAfterReadyMs: number;
  };
  /** Per service, with --profile: where its CPU went over its whole life (start to stop). */
  readonly profiles: Record<string, ProfileSummary> | null;
  /** CPU cores per process group with the system running and no load. */
  readonly idleCores: Record<string, number> | null;
  readonly phases: readonly PhaseResult[];
  readonly knee: string | null;
  readonly stoppedEarly: string | null;
  readonly final: FinalChecks;
  readonly samplerFailures: number;
  readonly samplerError: string | null;
}

/** A --matrix run: one report per configuration, floors measured once and shared. */
export interface MatrixReport {
  readonly kind: 'matrix';
  readonly startedAt: string;
  readonly durationS: number;
  readonly label: string;
  readonly configurations: readonly BenchReport[];
}
