import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '@order-saga/observability';
import { retry, retryDelay, sleep, type RetryPolicy } from '@order-saga/resilience';
import type { ConsumptionGate } from './consumption-gate';
import { GroupMembership } from './group-membership';

export interface SupervisorOptions {
  readonly groupId: string;
  /** Full topic names (already prefixed). */
  readonly topics: readonly string[];
  readonly restart: RetryPolicy;
  readonly partitionsConsumedConcurrently: number;
  readonly maxWaitTimeMs: number;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
  /** Aborted by stop(). */
  readonly stopping: AbortController;
  /** While closed, every topic is paused; resumed when it opens. */
  readonly gate?: ConsumptionGate;
}

/**
 * Owns the kafkajs consumer's lifecycle: connect, subscribe, run with manual offsets, stop, and
 * restart after a crash kafkajs itself gave up on. Readiness fails while it is down.
 */
export class ConsumerSupervisor {
  private consumer: Consumer | undefined;
  private crashed: Error | undefined;
  private readonly membership = new GroupMembership();
  private paused = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SupervisorOptions,
    private readonly eachBatch: (consumer: Consumer, payload: EachBatchPayload) => Promise<void>,
  ) {
    options.gate?.onChange(() => this.followGate());
  }

  async start(): Promise<void> {
    const { options } = this;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      // A member that dies without leaving (SIGKILL, OOM, node loss) holds its partitions until
      // the session times out; kafkajs's 30 s default stalled every order on them for that long.
      // 10 s is far above the 1 s heartbeat, which runs between messages and between retries.
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: 1_000,
      retry: { retries: 10 },
    });
    // kafkajs restarts a crashed consumer only after retriable errors. After a non-retriable one
    // (a commit refused because the group moved on) it stops for good while the process lives on:
    // orders would wait silently. This consumer is restarted instead, and readiness fails meanwhile.
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || options.stopping.signal.aborted) return;
      this.crashed = event.payload.error;
      void this.restartAfterCrash(event.payload.error);
    });
    this.membership.follow(consumer);
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.eachBatch(consumer, payload),
      });
    } catch (error) {
      // A caller that tries again (a boot, a restart) builds a new consumer; this one must not
      // linger half-connected beside it.
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.crashed = undefined;
    // A new kafkajs consumer starts unpaused (kafkajs allows pause only once it runs).
    this.paused = false;
    this.followGate();
  }

  /**
   * Pauses every topic while the gate is closed, resumes them when it opens. A batch already
   * running finishes on its own (its messages wait for the gate in the delivery); kafkajs just
   * fetches nothing new for paused topics, and keeps the group membership and heartbeats.
   */
  private followGate(): void {
    const { consumer } = this;
    const { gate, logger, groupId } = this.options;
    if (consumer === undefined || gate === undefined || this.options.stopping.signal.aborted)
      return;
    const reason = gate.closedBecause();
    const topics = this.options.topics.map((topic) => ({ topic }));
    try {
      if (reason !== undefined && !this.paused) {
        consumer.pause(topics);
        this.paused = true;
        logger.warn({ groupId, reason }, 'consumer.paused');
      } else if (reason === undefined && this.paused) {
        consumer.resume(topics);
        this.paused = false;
        logger.info({ groupId }, 'consumer.resumed');
      }
    } catch (error) {
      // Before run() (or after a crash) kafkajs refuses; start() follows the gate once it runs.
      logger.debug({ err: error, groupId }, 'consumer.gate_not_applied');
    }
  }

  async stop(): Promise<void> {
    this.options.stopping.abort();
    await this.consumer?.disconnect();
  }

  /** Readiness: fails while the consumer is down after a crash or not an active group member. */
  check(): Promise<void> {
    if (this.crashed !== undefined)
      return Promise.reject(new Error(`consumer crashed, restarting: ${this.crashed.message}`));
    const notMember = this.membership.problem(this.options.groupId);
    return notMember === undefined ? Promise.resolve() : Promise.reject(new Error(notMember));
  }

  private async restartAfterCrash(error: Error): Promise<void> {
    const { logger, groupId, restart } = this.options;
    const signal = this.options.stopping.signal;
    logger.error({ err: error, groupId }, 'consumer.crashed');
    // kafkajs is still tearing the crashed consumer down: the first try waits too.
    await sleep(retryDelay(restart, 0), signal);
    if (signal.aborted) return;
    try {
      await retry(
        async (attempt) => {
          await this.consumer?.disconnect().catch(() => undefined);
          await this.start();
          logger.warn({ groupId, attempt }, 'consumer.restarted');
        },
        restart,
        {
          signal,
          onRetry: (restartError, next) =>
            logger.error({ err: restartError, attempt: next.attempt }, 'consumer.restart_failed'),
        },
      );
    } catch (lastError) {
      if (!signal.aborted) logger.fatal({ err: lastError, groupId }, 'consumer.restart_exhausted');
    }
  }
}
