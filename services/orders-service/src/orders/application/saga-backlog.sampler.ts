import type { SqlExecutor } from '@order-saga/persistence';
import type { AdmissionControl } from './admission-control';
import type { SagaMetrics } from '@order-saga/observability';
import type { OrderRepository } from '../infrastructure/order.repository';
import { UNFINISHED } from '../infrastructure/order.repository';

/**
 * The stuck-saga signal: the age of the oldest unfinished saga per status
 * (saga_oldest_in_flight_seconds{state}) and how many are past their deadline
 * (sagas_past_deadline), and how many are unfinished (sagas_in_flight, which POST /orders sheds
 * load on). A status with no saga reports 0, so an alert's series never vanishes.
 * Sampled from the orders table: the state users see, the same in both saga modes.
 */
export class SagaBacklogSampler {
  constructor(
    private readonly db: SqlExecutor,
    private readonly orders: OrderRepository,
    private readonly metrics: SagaMetrics,
    private readonly admission: AdmissionControl,
  ) {}

  async sample(): Promise<void> {
    const backlog = await this.orders.backlog(this.db);
    for (const state of UNFINISHED)
      this.metrics.sagaOldestInFlight.set({ state }, backlog.oldestSeconds.get(state) ?? 0);
    this.metrics.sagasPastDeadline.set(backlog.pastDeadline);
    this.metrics.sagasInFlight.set(backlog.inFlight);
    this.admission.observe(backlog.inFlight);
  }
}
