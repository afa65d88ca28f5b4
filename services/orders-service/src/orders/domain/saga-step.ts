import type { MessageName } from '@order-saga/contracts';
import {
  ORDER_SAGA,
  classifyFact,
  stepUpdates as definitionUpdates,
  type OrderSagaCompensation,
  type OrderSagaStep,
  type StepStatus,
  type StepStatuses,
} from '@order-saga/saga-definition';

export type SagaStepName = OrderSagaStep | OrderSagaCompensation;
export type SagaStepStatus = StepStatus;

export interface StepUpdate {
  readonly name: string;
  readonly status: SagaStepStatus;
  readonly attempts?: number;
  readonly detail?: string;
}

/** What a fact adds besides the status: how many tries it took, and what went wrong. */
export interface FactDetail {
  readonly attempts?: number;
  readonly detail?: string;
}

/**
 * What a saga fact does to the order's timeline, read from the declared saga; the attempts and
 * detail it carries go to the entry the fact is about (the step, or its compensation). The store
 * still guards the rank, so a concurrent or late fact never rewinds a step.
 */
export function stepUpdates(
  message: MessageName,
  detail: FactDetail,
  current: StepStatuses,
  active: boolean,
): StepUpdate[] {
  const read = classifyFact(ORDER_SAGA, message);
  const own =
    read === undefined || read.role === 'aborted'
      ? undefined
      : read.role === 'compensated' || read.role === 'compensation-failed'
        ? read.step.compensation?.name
        : read.step.name;
  return definitionUpdates(ORDER_SAGA, message, current, active).map((update) =>
    update.name === own && update.status !== 'IN_PROGRESS'
      ? {
          ...update,
          ...(detail.attempts === undefined ? {} : { attempts: detail.attempts }),
          ...(detail.detail === undefined ? {} : { detail: detail.detail }),
        }
      : update,
  );
}

/** The compensation entry of the timeline that undoes `name`, if `name` is a compensation. */
export function undoneBy(name: string): OrderSagaStep | undefined {
  return ORDER_SAGA.steps.find((step) => step.compensation.name === name)?.name;
}
