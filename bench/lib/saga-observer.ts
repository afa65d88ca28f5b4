// The parent's side of the observer child process (observer.ts): starts it on the run's topics,
// waits until it has joined its consumer group (records sent before that would be missed), and
// pulls what it has seen into SagaEvents on demand.
import { ALL_TOPICS } from '../../packages/contracts/src/topics.ts';
import type { SagaSystem } from '../../scripts/system/saga-system.ts';
import { HelperProcess } from './helper-process.ts';
import type { ObserverMessage } from './load-protocol.ts';
import type { RunResources } from './run-resources.ts';
import { SagaEvents } from './saga-events.ts';

export interface SagaObserver {
  /** Everything collected so far. */
  readonly events: SagaEvents;
  /** Fetches what the observer saw since the last call into `events`. */
  readonly collect: () => Promise<void>;
  /** Resolves with the epoch ms the order's outcome reached the observer. */
  readonly awaitOutcome: (orderId: string, timeoutMs: number) => Promise<number>;
  readonly pid: number | undefined;
}

export async function startObserver(
  sys: SagaSystem,
  partitions: number,
  resources: RunResources,
): Promise<SagaObserver> {
  const events = new SagaEvents();
  const obs = new HelperProcess<ObserverMessage & { requestId?: number }>('observer.ts');
  resources.observer = obs;
  resources.helpers.push(obs);
  const observerReady = new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('observer did not join in 60 s')), 60_000);
    obs.child.on('message', (message: ObserverMessage) => {
      if (message.kind === 'ready') {
        clearTimeout(timer);
        done();
      } else if (message.kind === 'failed') {
        clearTimeout(timer);
        fail(new Error(`observer failed: ${message.error}`));
      }
    });
  });
  obs.child.send({
    kind: 'start',
    brokers: sys.brokers,
    topics: ALL_TOPICS.map((topic) => `${sys.topicPrefix}${topic}`),
    groupId: `${sys.topicPrefix}bench-observer`,
    partitionsConsumedConcurrently: partitions,
  });
  await observerReady;
  const collect = async (): Promise<void> => {
    const batch = await obs.request<{ kind: 'collect'; requestId: number }>(
      { kind: 'collect' },
      30_000,
    );
    if (batch.kind === 'observed') events.add(batch);
  };
  const awaitOutcome = async (orderId: string, timeoutMs: number): Promise<number> => {
    const seen = await obs.request<{ kind: 'await-outcome'; requestId: number; orderId: string }>(
      { kind: 'await-outcome', orderId },
      timeoutMs,
    );
    if (seen.kind !== 'outcome') throw new Error('observer: unexpected answer');
    return seen.receivedAt;
  };
  return { events, collect, awaitOutcome, pid: obs.child.pid };
}
