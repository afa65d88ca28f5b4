// Messages between bench/run.ts and its child processes (structured-clone IPC).

export interface OrderMix {
  /** Orders cycle through these SKUs (one line each), so no single stock row is hot. */
  readonly skus: readonly string[];
  /** Every n-th order pays with a declining test card (0: none); it must end CANCELLED. */
  readonly declineEvery: number;
}

export interface OpenLoopCommand {
  readonly kind: 'open';
  readonly requestId: number;
  readonly url: string;
  /** Requests per second, scheduled by wall clock from `startAt` (epoch ms). */
  readonly rate: number;
  readonly durationMs: number;
  readonly startAt: number;
  readonly firstSeq: number;
  readonly mix: OrderMix;
  readonly timeoutMs: number;
}

export interface ClosedLoopCommand {
  readonly kind: 'closed';
  readonly requestId: number;
  readonly url: string;
  readonly count: number;
  readonly warmup: number;
  readonly firstSeq: number;
  readonly mix: OrderMix;
  readonly expectStatus: number;
  readonly collectIds: boolean;
  readonly timeoutMs: number;
  /** Least time between two request starts (0: back to back). */
  readonly paceMs: number;
}

export type GeneratorCommand = OpenLoopCommand | ClosedLoopCommand | { readonly kind: 'exit' };

export interface OpenLoopResult {
  readonly kind: 'open-done';
  readonly requestId: number;
  /** Epoch ms per request: when it was due, when it went out, when its response ended. */
  readonly scheduled: Float64Array;
  readonly sent: Float64Array;
  readonly done: Float64Array;
  /** HTTP status, 0 for a transport error or timeout. */
  readonly status: Int32Array;
  /**
   * 1 where the request was shed as the API promises: 503, problem code SERVICE.OVERLOADED and a
   * Retry-After header. Any other non-201 (a 503 without them too) is an error.
   */
  readonly shed: Uint8Array;
  readonly declined: Uint8Array;
  /** The created order's id ('' when not created). */
  readonly orderIds: string[];
  readonly errors: string[];
}

export interface ClosedLoopResult {
  readonly kind: 'closed-done';
  readonly requestId: number;
  readonly latencies: Float64Array;
  /** Epoch ms at which each request was sent. */
  readonly sent: Float64Array;
  /** With collectIds: the created order's id per request ('' when not created), else empty. */
  readonly orderIds: string[];
  readonly errors: string[];
}

export type GeneratorResult = OpenLoopResult | ClosedLoopResult;

/** One record seen on a saga or dead-letter topic. */
export interface ObservedBatch {
  readonly kind: 'observed';
  readonly requestId: number;
  readonly topic: string[];
  readonly type: string[];
  readonly key: string[];
  readonly ceId: string[];
  /** Epoch ms: the envelope's ce_time (set inside the writing transaction). */
  readonly ceTime: Float64Array;
  /** Epoch ms: the Kafka record timestamp (set by the producer when the relay sent it). */
  readonly kafkaTime: Float64Array;
  /** Epoch ms: when the observer's fetch handed it over. */
  readonly receivedAt: Float64Array;
  /** dlt-error-code header of dead letters ('' otherwise). */
  readonly dltCode: string[];
}

export type ObserverCommand =
  | {
      readonly kind: 'start';
      readonly brokers: string[];
      readonly topics: string[];
      readonly groupId: string;
      readonly partitionsConsumedConcurrently: number;
    }
  | { readonly kind: 'collect'; readonly requestId: number }
  /** Answered with an OutcomeSeen as soon as the order's first outcome record arrives. */
  | { readonly kind: 'await-outcome'; readonly requestId: number; readonly orderId: string }
  | { readonly kind: 'exit' };

export interface OutcomeSeen {
  readonly kind: 'outcome';
  readonly requestId: number;
  readonly orderId: string;
  /** Epoch ms: when the observer's fetch handed the outcome over. */
  readonly receivedAt: number;
}

export type ObserverMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly error: string }
  | ObservedBatch
  | OutcomeSeen;
