// How a demo run stops: Ctrl-C or SIGTERM (a second one kills the services at once), or a service
// that exits when the demo did not stop it on purpose. Either aborts `signal`, which every wait
// of the run checks.
import type { ProcessName, RunningService, SagaSystem } from '../system/saga-system.ts';
import { DemoError } from './config.ts';
import { bad, shownPath } from './terminal.ts';

export const EXIT_INTERRUPTED = 130;

/** Why the demo stops early: Ctrl-C (or SIGTERM). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

export class DemoLifecycle {
  readonly #stop = new AbortController();
  /** Services the demo stops on purpose (the timed-out order's provider outage). */
  readonly #planned = new Set<ProcessName>();
  #system: SagaSystem | undefined;

  /** A lifecycle listening for SIGINT and SIGTERM. */
  static listen(): DemoLifecycle {
    const lifecycle = new DemoLifecycle();
    const onSignal = (signal: NodeJS.Signals): void => lifecycle.#onSignal(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return lifecycle;
  }

  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  get interrupted(): boolean {
    return this.#stop.signal.reason instanceof Interrupted;
  }

  /** From now on a service of `system` that exits on its own stops the demo. */
  watch(system: SagaSystem): void {
    this.#system = system;
    for (const service of Object.values(system.services)) this.#watchService(service);
    if (system.orchestrator !== undefined) this.#watchService(system.orchestrator);
  }

  /** Stops `name` on purpose: its exit does not stop the demo. */
  async stopOnPurpose(system: SagaSystem, name: ProcessName): Promise<void> {
    this.#planned.add(name);
    await system.kill(name);
  }

  /** Starts a service stopped by stopOnPurpose again, and watches it again. */
  async startAgain(system: SagaSystem, name: ProcessName): Promise<void> {
    await system.start(name);
    this.#planned.delete(name);
    const service = [...Object.values(system.services), system.orchestrator].find(
      (s) => s?.name === name,
    );
    if (service !== undefined) this.#watchService(service);
  }

  /** Waits until Ctrl-C (resolves) or a service dies (rejects). */
  untilStopped(): Promise<void> {
    const signal = this.#stop.signal;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        const reason: unknown = signal.reason;
        if (reason instanceof Interrupted) resolve();
        else reject(reason instanceof Error ? reason : new Error(String(reason)));
      };
      if (signal.aborted) settle();
      else signal.addEventListener('abort', settle, { once: true });
    });
  }

  #onSignal(signal: NodeJS.Signals): void {
    if (this.#stop.signal.aborted) {
      // Second Ctrl-C: do not wait for graceful shutdowns any more.
      for (const service of Object.values(this.#system?.services ?? {}))
        service.process.kill('SIGKILL');
      if (this.#system?.orchestrator !== undefined)
        this.#system.orchestrator.process.kill('SIGKILL');
      console.error(`\n${bad('killed the services')}`);
      process.exit(EXIT_INTERRUPTED);
    }
    this.#stop.abort(new Interrupted(`interrupted (${signal})`));
  }

  #watchService(service: RunningService): void {
    service.process.once('exit', (code, signal) => {
      // Ctrl-C reaches the services too (same process group); let our own handler win the race.
      setTimeout(() => {
        if (this.#stop.signal.aborted || this.#planned.has(service.name)) return;
        const how = signal === null ? `with status ${code ?? '?'}` : `on ${signal}`;
        this.#stop.abort(
          new DemoError(`${service.name} exited ${how}; see ${shownPath(service.logFile)}`),
        );
      }, 300);
    });
  }
}
