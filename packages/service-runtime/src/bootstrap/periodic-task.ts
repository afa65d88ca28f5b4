import type { Logger } from '@order-saga/observability';

/** Work a service runs in the background besides its consumer (sweepers, samplers). */
export interface BackgroundTask {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs`, never two runs at once: the next run is scheduled when the
 * previous one ended, so a slow run (a database failover) delays the next instead of piling up.
 * A failed run is logged and the task carries on; stop() waits for a run in progress.
 */
export class PeriodicTask implements BackgroundTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.work()
        .catch((error: unknown) =>
          this.logger.error({ err: error, task: this.name }, 'task.failed'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalMs);
    // A pending tick must not keep a process alive that is otherwise done.
    this.timer.unref();
  }
}

/** A sweeper that handles at most `batchSize` rows a call and says how many it handled. */
export interface BatchSweeper {
  readonly batchSize: number;
  sweep(): Promise<number>;
}

/** One tick of a sweeper: a full batch means more may be due, so keep going until one is short. */
export async function sweepUntilShort(sweeper: BatchSweeper): Promise<void> {
  while ((await sweeper.sweep()) === sweeper.batchSize);
}
