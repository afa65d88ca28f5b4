import type { Socket } from 'node:net';
import { PERFECT, applyPatch, type Behaviour, type BehaviourPatch } from './behaviour';
import { decideFault, type Fault } from './faults';
import { sampleLatencyMs } from './latency';
import type { Random } from './random';

/** What happens to one call: how long it takes, and what (if anything) goes wrong. */
export interface CallPlan {
  readonly latencyMs: number;
  readonly fault: Fault;
}

export class WebhooksNotConfiguredError extends Error {
  override readonly name = 'WebhooksNotConfiguredError';
}

/**
 * The processor's current behaviour and the one random source every decision draws from. Knobs
 * change at runtime (admin endpoint); each call is planned once, when it arrives.
 */
export class Processor {
  private behaviour: Behaviour = PERFECT;
  /** Connections held open by simulated timeouts; dropped at shutdown so it never waits on them. */
  private readonly held = new Set<Socket>();

  constructor(
    private readonly random: Random,
    /** Async mode needs somewhere to send webhooks, and a secret to sign them with. */
    private readonly webhooksConfigured: boolean,
  ) {}

  current(): Behaviour {
    return this.behaviour;
  }

  update(patch: BehaviourPatch): Behaviour {
    const next = applyPatch(this.behaviour, patch);
    if (next.async.enabled && !this.webhooksConfigured)
      throw new WebhooksNotConfiguredError(
        'async mode needs WEBHOOK_URL and WEBHOOK_SECRET in the simulator environment',
      );
    this.behaviour = next;
    return next;
  }

  reset(): Behaviour {
    this.behaviour = PERFECT;
    return PERFECT;
  }

  /** Whether a payment call could succeed right now: what /health/ready reports. */
  available(): boolean {
    return !this.behaviour.outage;
  }

  plan(): CallPlan {
    // Faults first, then latency: a fixed number of draws per call whatever the knobs.
    const fault = decideFault(this.behaviour, this.random);
    const latencyMs = sampleLatencyMs(this.behaviour, this.random);
    return { latencyMs, fault };
  }

  /** Holds a connection without answering, until the caller gives up or `maxMs` passes. */
  hold(socket: Socket, maxMs: number): void {
    this.held.add(socket);
    const timer = setTimeout(() => socket.destroy(), maxMs);
    socket.once('close', () => {
      clearTimeout(timer);
      this.held.delete(socket);
    });
  }

  releaseHeld(): void {
    for (const socket of this.held) socket.destroy();
  }

  /** A uniform draw for the webhook schedule (duplicates, reordering). */
  draw(): number {
    return this.random();
  }
}
