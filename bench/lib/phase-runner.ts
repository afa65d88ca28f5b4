// One load phase, end to end: the load (open or closed loop, from the load generator), the drain
// until its sagas have finished, the before/after snapshots around both, the analysis, and its
// progress line. Also the idle measurement, which reads the same snapshots with no load.
import type { HelperProcess } from './helper-process.ts';
import { epochNow } from './http-client.ts';
import type {
  ClosedLoopCommand,
  ClosedLoopResult,
  GeneratorResult,
  OpenLoopCommand,
} from './load-protocol.ts';
import { analyzePhase, type PhaseResult, type PhaseSpec } from './phases.ts';
import type { SagaMode } from './options.ts';
import { formatMs, formatShareOfCore, progress } from './progress.ts';
import { DRAIN_TIMEOUT_MS, STALL_MS, loadDeadlineAt, sleep } from './run-clock.ts';
import { cpuDelta, cpuNow, takeSnapshot } from './snapshot.ts';
import type { SystemUnderTest } from './system-under-test.ts';
import { MIX, REQUEST_TIMEOUT_MS } from './workload.ts';

/**
 * One saga at a time, at most 20 orders per second: each order waits for the previous saga's
 * outcome and for this much time since the previous send.
 */
const SEQUENTIAL_PACE_MS = 50;
/** How long one-at-a-time waits for a saga before sending the next order anyway. */
const SAGA_WAIT_MS = 10_000;
/** Length of the no-load measurement after the warm-up. */
const IDLE_MS = 5_000;

export class PhaseRunner {
  private readonly generator: HelperProcess<GeneratorResult>;
  private readonly sut: SystemUnderTest;
  private readonly mode: SagaMode;
  private readonly ordersUrl: string;
  /** The next order's sequence number: every phase continues where the last one stopped. */
  private seq = 0;

  constructor(generator: HelperProcess<GeneratorResult>, sut: SystemUnderTest, mode: SagaMode) {
    this.generator = generator;
    this.sut = sut;
    this.mode = mode;
    this.ordersUrl = `${sut.system.ordersUrl}/orders`;
  }

  /**
   * Waits until every saga in `ids` has an outcome, the deadline passes, or nothing finished
   * for STALL_MS (a stuck pipeline does not get better by waiting). Returns when it stopped.
   */
  async waitForOutcomes(ids: readonly string[], deadline: number): Promise<number> {
    const { events, collect } = this.sut;
    let open = Number.POSITIVE_INFINITY;
    let progressAt = epochNow();
    for (;;) {
      await collect();
      const stillOpen = ids.filter((id) => events.outcome(id) === undefined).length;
      if (stillOpen < open) progressAt = epochNow();
      open = stillOpen;
      if (open === 0 || epochNow() > deadline) return epochNow();
      if (epochNow() - progressAt > STALL_MS) {
        progress(`  no saga finished for ${STALL_MS / 1_000} s; ${open} still open`);
        return epochNow();
      }
      await sleep(250);
    }
  }

  /**
   * Runs the phase and its drain and prints its line.
   * @param idle CPU cores per process group with no load, once measured
   */
  async run(spec: PhaseSpec, idle: Record<string, number> | undefined): Promise<PhaseResult> {
    const { processes } = this.sut;
    const before = await takeSnapshot(processes);
    let load: GeneratorResult;
    let startAt: number;
    if (spec.kind === 'open') {
      startAt = epochNow() + 100;
      load = await this.generator.request<OpenLoopCommand>(
        {
          kind: 'open',
          url: this.ordersUrl,
          rate: spec.rate,
          durationMs: spec.durationMs,
          startAt,
          firstSeq: this.seq,
          mix: MIX,
          timeoutMs: REQUEST_TIMEOUT_MS,
        },
        spec.durationMs + REQUEST_TIMEOUT_MS + 30_000,
      );
      if (load.kind !== 'open-done') throw new Error('load generator: unexpected answer');
      this.seq += load.status.length;
    } else {
      startAt = epochNow();
      load = await this.sagasOneAtATime(spec.count);
    }
    const loadEnd = spec.kind === 'open' ? startAt + spec.durationMs : epochNow();
    const atLoadEnd = cpuNow(processes);
    const ids = load.orderIds.filter((id) => id !== '');
    const drainedAt = await this.waitForOutcomes(
      ids,
      Math.min(epochNow() + DRAIN_TIMEOUT_MS, loadDeadlineAt() + 60_000),
    );
    const after = await takeSnapshot(processes);
    const result = analyzePhase({
      spec,
      load,
      startAt,
      loadEnd,
      drainedAt,
      events: this.sut.events,
      samplers: this.sut.samplers,
      mode: this.mode,
      services: this.sut.serviceNames,
      idle,
      before,
      atLoadEnd,
      after,
    });
    progress(phaseLine(result));
    return result;
  }

  /**
   * `count` orders, each sent only after the previous one's saga has ended (seen by the
   * observer) and at least SEQUENTIAL_PACE_MS after the previous send: the POST and the saga
   * with nothing else in flight. A saga that does not end within SAGA_WAIT_MS is left to the drain.
   */
  private async sagasOneAtATime(count: number): Promise<ClosedLoopResult> {
    const latencies = new Float64Array(count);
    const sent = new Float64Array(count);
    const orderIds: string[] = [];
    const errors: string[] = [];
    for (let i = 0; i < count; i++) {
      const one = await this.generator.request<ClosedLoopCommand>(
        {
          kind: 'closed',
          url: this.ordersUrl,
          count: 1,
          warmup: 0,
          firstSeq: this.seq++,
          mix: { ...MIX, declineEvery: 0 },
          expectStatus: 201,
          collectIds: true,
          timeoutMs: REQUEST_TIMEOUT_MS,
          paceMs: 0,
        },
        REQUEST_TIMEOUT_MS + 5_000,
      );
      if (one.kind !== 'closed-done') throw new Error('load generator: unexpected answer');
      latencies[i] = one.latencies[0] ?? Number.NaN;
      sent[i] = one.sent[0] ?? Number.NaN;
      errors.push(...one.errors);
      const id = one.orderIds[0] ?? '';
      orderIds.push(id);
      if (id === '') continue;
      await this.sut.awaitOutcome(id, SAGA_WAIT_MS).catch(() => undefined);
      const pause = (sent[i] ?? 0) + SEQUENTIAL_PACE_MS - epochNow();
      if (pause > 0) await sleep(pause);
    }
    return {
      kind: 'closed-done',
      requestId: 0,
      latencies,
      sent,
      orderIds,
      errors: errors.slice(0, 10),
    };
  }

  /** What the running system costs with no load at all: CPU cores per process group. */
  async measureIdle(): Promise<Record<string, number>> {
    const { processes, serviceNames } = this.sut;
    const before = await takeSnapshot(processes);
    await sleep(IDLE_MS);
    const after = await takeSnapshot(processes);
    const cores = cpuDelta(before, after);
    for (const key of Object.keys(cores))
      cores[key] = (cores[key] ?? 0) / ((after.at - before.at) / 1_000);
    progress(
      `idle (no load) for ${IDLE_MS / 1_000} s: services ${serviceNames.map((s) => `${s} ${formatShareOfCore(cores[s])}`).join(', ')}; PostgreSQL ${formatShareOfCore(cores['postgres'])}, Kafka ${formatShareOfCore(cores['kafka'])} of a core`,
    );
    return cores;
  }
}

/** A phase's headline figures on one line, with why it did not keep up if it did not. */
function phaseLine(result: PhaseResult): string {
  const { spec } = result;
  const lagMax = Math.max(0, ...Object.values(result.backlog.lag).map((l) => l.max));
  const outboxMax = Math.max(0, ...Object.values(result.backlog.outbox).map((l) => l.max));
  return (
    `${spec.name.padEnd(14)} ${String(result.created).padStart(5)}/${result.requests} created` +
    ` | POST p50 ${formatMs(result.post.p50)} p99 ${formatMs(result.post.p99)} ms` +
    ` | saga p50 ${formatMs(result.sagaFulfilled.p50)} p99 ${formatMs(result.sagaFulfilled.p99)} ms` +
    (Number.isFinite(result.throughput.sagasInWindow)
      ? ` | ${result.throughput.sagasInWindow.toFixed(0)} sagas/s`
      : '') +
    ` | lag ≤${lagMax}, outbox ≤${outboxMax}` +
    ` | CPU ${(result.cpu.machineUtilization * 100).toFixed(0)}%, ${formatMs(result.cpu.servicesMsPerSaga)} ms/saga` +
    (result.correctness.missing.length > 0
      ? ` | ${result.correctness.missing.length} unfinished`
      : '') +
    (result.shed > 0 ? ` | ${result.shed} shed` : '') +
    (result.errors > 0 ? ` | ${result.errors} errors` : '') +
    (result.spec.kind === 'open' && result.spec.role !== 'warmup' && !result.keepsUp
      ? ` | past the knee: ${result.kneeReasons.join('; ')}`
      : '')
  );
}
