// Everything the run starts, registered as it starts, so that one release() stops it all, also
// after a failure halfway through the start. The native stack is not here: it is shared with
// other users of the machine and stays up.
import { Kafka, logLevel } from 'kafkajs';
import type { SagaSystem } from '../../scripts/system/saga-system.ts';
import { progress } from './progress.ts';
import type { Samplers } from './samplers.ts';

interface Exitable {
  exit(): Promise<void>;
}

export class RunResources {
  samplers: Samplers | undefined;
  /** Connections to close, in order. */
  readonly closers: Array<() => Promise<void>> = [];
  /** Stopped before the other helpers. */
  observer: Exitable | undefined;
  readonly helpers: Exitable[] = [];
  system: SagaSystem | undefined;

  /** Stops the samplers early (before the report is written); release() then skips them. */
  async stopSamplers(): Promise<void> {
    await this.samplers?.stop();
    this.samplers = undefined;
  }

  /**
   * Best effort, step by step: a failing step does not keep the later ones from running. Those
   * that read from the services go first, the services and their consumer groups last.
   */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    progress('stopping what the benchmark started (services, helpers; the stack stays up)');
    await this.samplers?.stop().catch(() => undefined);
    for (const close of this.closers) await close().catch(() => undefined);
    await this.observer?.exit().catch(() => undefined);
    for (const helper of this.helpers) await helper.exit().catch(() => undefined);
    await this.system
      ?.stop()
      .catch((error: unknown) => progress(`stopping the services failed: ${String(error)}`));
    if (this.system !== undefined) await deleteGroups(this.system.brokers, this.system.topicPrefix);
  }

  /** release() runs once: a second call (e.g. from a finally after an early release) does nothing. */
  private released = false;
}

/**
 * The launcher deletes the run's topics and databases but not its consumer groups (the services'
 * and the observer's); they would linger on the shared broker until their offsets expire.
 */
async function deleteGroups(brokers: string[], prefix: string): Promise<void> {
  if (prefix === '') return;
  const admin = new Kafka({
    clientId: 'bench-cleanup',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    const { groups } = await admin.listGroups();
    const ours = groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (ours.length > 0) await admin.deleteGroups(ours);
  } catch {
    // Best effort: an empty group also expires on its own.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
