import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/**
 * The metric catalogue of DESIGN.md, one registry per service process. Every service registers
 * the same names so dashboards and alerts can rely on them; a service that never takes a path
 * simply reports zero for it.
 */
export class SagaMetrics {
  readonly registry = new Registry();

  readonly orderSagaDuration = new Histogram({
    name: 'order_saga_duration_seconds',
    help: 'Time from order creation to a terminal saga state',
    labelNames: ['outcome'] as const,
    // Seconds. Dense below 0.25 s where a healthy saga lands; the tail reaches the deadline.
    buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly paymentFailures = new Counter({
    name: 'payment_failures_total',
    help: 'Payments that ended in failure, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly paymentAttempts = new Counter({
    name: 'payment_attempts_total',
    help: 'Calls made to the payment provider (first tries and retries)',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly paymentRetries = new Counter({
    name: 'payment_retries_total',
    help: 'Payment provider calls that were retries of a failed call',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  /**
   * One observation per call to the payment provider, in-call retries included, by operation and
   * outcome (approved, declined, pending, rejected, refunded, refused, unavailable). Seconds.
   */
  readonly paymentProviderCallDuration = new Histogram({
    name: 'payment_provider_call_duration_seconds',
    help: 'Duration of calls to the payment provider, by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    // The simulator answers in ~5-50 ms; the tail reaches the per-call timeout (2 s by default).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  /** Per replica: the state this replica's breaker is in (shared through Redis while it is up). */
  readonly circuitBreakerState = new Gauge({
    name: 'circuit_breaker_state',
    help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'] as const,
    registers: [this.registry],
  });

  readonly circuitBreakerTransitions = new Counter({
    name: 'circuit_breaker_transitions_total',
    help: 'Circuit breaker state changes seen by this replica, by the state entered',
    labelNames: ['breaker', 'to'] as const,
    registers: [this.registry],
  });

  readonly circuitBreakerSharedStateErrors = new Counter({
    name: 'circuit_breaker_shared_state_errors_total',
    help: 'Redis operations of the shared circuit breaker that failed; the replica decided alone meanwhile',
    labelNames: ['breaker', 'operation'] as const,
    registers: [this.registry],
  });

  /**
   * A readiness source that could not look (an EndpointSlice list or watch refused or
   * unreachable); it keeps its last state and retries. Failed HTTP probes are not counted here:
   * they are the answer "not ready", not a failure to ask.
   */
  readonly readinessSourceErrors = new Counter({
    name: 'readiness_source_errors_total',
    help: 'Failed lists or watches of a dependency readiness source; the last state stands meanwhile',
    labelNames: ['dependency', 'source'] as const,
    registers: [this.registry],
  });

  readonly outboxPending = new Gauge({
    name: 'outbox_pending',
    help: 'Outbox rows committed but not yet published to Kafka',
    registers: [this.registry],
  });

  readonly outboxPublished = new Counter({
    name: 'outbox_published_total',
    help: 'Outbox rows published to Kafka',
    registers: [this.registry],
  });

  readonly outboxPublishLag = new Histogram({
    name: 'outbox_publish_lag_seconds',
    help: 'Time from outbox commit to acknowledged publish',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly idempotentReplays = new Counter({
    name: 'idempotent_replays_total',
    help: 'Requests with a used Idempotency-Key: replayed, in_flight (409) or mismatch (422)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly idempotencyCacheErrors = new Counter({
    name: 'idempotency_cache_errors_total',
    help: 'Redis calls of the idempotency cache that failed; the request went on against PostgreSQL',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly inboxDuplicates = new Counter({
    name: 'inbox_duplicates_total',
    help: 'Consumed messages skipped because their id was already processed',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  /**
   * One observation per shared consumer transaction that committed (ADR 0016): how many records
   * it applied. Consumers that apply one record per transaction observe nothing.
   */
  readonly consumerTransactionRecords = new Histogram({
    name: 'consumer_transaction_records',
    help: 'Records applied per committed batch transaction of a consumer',
    // Records; the cap is KAFKA_APPLY_BATCH_MAX.
    buckets: [2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly consumerBatchFallbacks = new Counter({
    name: 'consumer_batch_fallbacks_total',
    help: 'Consumer batches rolled back (or not tried) and replayed one record at a time, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly messagesConsumed = new Counter({
    name: 'messages_consumed_total',
    help: 'Messages handled by consumers, by type and result',
    labelNames: ['type', 'result'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'dead_letters_total',
    help: 'Messages sent to a dead-letter topic',
    labelNames: ['topic', 'code'] as const,
    registers: [this.registry],
  });

  /**
   * Operator redrives from a dead-letter topic (`topic` is the dead-letter topic, as in
   * dead_letters_total): redriven back to the original topic, or refused because the message was
   * already re-driven DEAD_LETTER_REDRIVE_CAP times. Dry runs are not counted.
   */
  readonly deadLetterRedrives = new Counter({
    name: 'dead_letter_redrives_total',
    help: 'Dead letters re-driven to their original topic by an operator, or refused by the cap',
    labelNames: ['topic', 'outcome'] as const,
    registers: [this.registry],
  });

  /**
   * One per compensation a participant finished, by the saga step it undoes (payment, inventory)
   * and how it ended: compensated (undone), not_needed (the step had done nothing to undo), or
   * failed (gave up after its retry budget: the order is COMPENSATION_FAILED).
   */
  readonly sagaCompensations = new Counter({
    name: 'saga_compensations_total',
    help: 'Compensations finished by participants, by saga step and outcome',
    labelNames: ['step', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly sagaOldestInFlight = new Gauge({
    name: 'saga_oldest_in_flight_seconds',
    help: 'Age of the oldest saga not yet in a terminal state, per order status (0 when none)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  /** What POST /orders sheds load on (ORDERS_MAX_IN_FLIGHT). */
  readonly sagasInFlight = new Gauge({
    name: 'sagas_in_flight',
    help: "Sagas not yet in a terminal state (every replica's, as the orders table counts them)",
    registers: [this.registry],
  });

  readonly ordersShed = new Counter({
    name: 'orders_shed_total',
    help:
      'POST /orders answered 503 SERVICE.OVERLOADED, by the bound it hit: backlog ' +
      '(ORDERS_MAX_IN_FLIGHT unfinished sagas) or pool (ORDERS_MAX_POOL_WAITING requests queued ' +
      'for a database connection, or the pool timeout while the database answered)',
    labelNames: ['bound'] as const,
    registers: [this.registry],
  });

  readonly sagasPastDeadline = new Gauge({
    name: 'sagas_past_deadline',
    help: 'Sagas not in a terminal state whose deadline has passed',
    registers: [this.registry],
  });

  readonly sagaDeadlinesExceeded = new Counter({
    name: 'saga_deadlines_exceeded_total',
    help: 'Sagas given up by a deadline sweeper (compensated with DEADLINE_EXCEEDED)',
    registers: [this.registry],
  });

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP server request duration',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'kafka_consumer_lag',
    help: 'Messages between the committed offset and the partition end, per partition',
    labelNames: ['topic', 'partition', 'group'] as const,
    registers: [this.registry],
  });

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    // The event-loop delay histogram (nodejs_eventloop_lag_*) samples on a timer: prom-client's
    // 10 ms wakes an idle process 100 times a second, 0.65 % of a core on our 2-core machine; at
    // 100 ms it costs 0.07 % and still takes 150 samples per 15 s scrape (docs/performance.md).
    collectDefaultMetrics({
      register: this.registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
    });
    // prom-client also exports these three gauges with a `_total` suffix, which Prometheus reserves
    // for counters (`promtool check metrics` rejects them); nodejs_active_handles{type} and its
    // siblings carry the same numbers by type.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      this.registry.removeSingleMetric(name);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
