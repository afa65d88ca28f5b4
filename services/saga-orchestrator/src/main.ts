import 'reflect-metadata';
import {
  PeriodicTask,
  bootSagaParticipant,
  runService,
  sweepUntilShort,
} from '@order-saga/service-runtime';
import { loadOrchestratorConfig } from './config';
import { ExpireSagasHandler } from './saga/application/expire-sagas.handler';
import { RunOrderSagaHandler } from './saga/application/run-order-saga.handler';
import { sagaRoutes } from './saga/application/saga.routes';
import { CreateSagas1732780300000 } from './saga/infrastructure/migrations/1732780300000-create-sagas';
import { SagaProgress1764547200000 } from './saga/infrastructure/migrations/1764547200000-saga-progress';
import { SagaRepository } from './saga/infrastructure/saga.repository';
import { SERVICE } from './service';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE.name, () => {
  const config = loadOrchestratorConfig();
  return bootSagaParticipant({
    service: SERVICE,
    config,
    migrations: [CreateSagas1732780300000, SagaProgress1764547200000],
    build: ({ db, inbox, outbox, logger, metrics }) => {
      const sagas = new SagaRepository();
      const expire = new ExpireSagasHandler(db, sagas, outbox, logger, metrics);
      return {
        routes: sagaRoutes(new RunOrderSagaHandler(inbox, sagas, logger)),
        // Every handler's effect is one inbox apply, nothing before it: batches are safe (ADR 0016).
        applyInBatches: true,
        background: [
          new PeriodicTask(
            'saga-deadline-sweeper',
            config.SAGA_SWEEP_INTERVAL_MS,
            () => sweepUntilShort(expire),
            logger,
          ),
        ],
      };
    },
  });
});
