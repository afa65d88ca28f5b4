// The parent's side of the benchmark's child processes (load generator, observer, no-op
// server): each runs in its own Node process, so its CPU is counted on its own pid and it does
// not share an event loop with the others. Request/response over IPC uses structured clone
// ('advanced' serialization), so typed arrays pass as they are.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export class HelperProcess<Result extends { requestId?: number }> {
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Result) => void>();

  /**
   * @param script a file next to this one
   * @param onOther receives the messages that answer no request
   */
  constructor(script: string, onOther?: (message: unknown) => void) {
    this.child = fork(join(import.meta.dirname, script), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: Result) => {
      const id = message.requestId;
      const resolveWaiting = id === undefined ? undefined : this.waiting.get(id);
      if (id !== undefined && resolveWaiting !== undefined) {
        this.waiting.delete(id);
        resolveWaiting(message);
      } else {
        onOther?.(message);
      }
    });
  }

  request<C extends { requestId: number }>(
    command: Omit<C, 'requestId'>,
    timeoutMs: number,
  ): Promise<Result> {
    const requestId = this.nextId++;
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        fail(new Error(`helper did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(requestId, (result) => {
        clearTimeout(timer);
        done(result);
      });
      this.child.send({ ...command, requestId });
    });
  }

  /** Asks the child to exit; SIGKILL after 5 s so a stuck helper cannot hold up the run's end. */
  async exit(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.send({ kind: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
