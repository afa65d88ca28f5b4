/**
 * The `dlt-*` headers. A dead letter carries the original message's own headers plus the failure
 * ones; a re-driven message carries its original headers plus the redrive ones, which it keeps if
 * it is dead-lettered again (so the history travels with the message). An operator's action on a
 * dead letter is a small record in the same dead-letter partition, marked by `dlt-action`.
 */
export const DLT_HEADERS = {
  originalTopic: 'dlt-original-topic',
  originalPartition: 'dlt-original-partition',
  originalOffset: 'dlt-original-offset',
  consumerGroup: 'dlt-consumer-group',
  errorCode: 'dlt-error-code',
  errorMessage: 'dlt-error-message',
  failedAt: 'dlt-failed-at',
  /** How often this message has been re-driven, this redrive included. */
  redriveCount: 'dlt-redrive-count',
  redrivenAt: 'dlt-redriven-at',
  redrivenBy: 'dlt-redriven-by',
  redriveReason: 'dlt-redrive-reason',
  /** The dead letter it was re-driven from: `<dead-letter topic>:<partition>:<offset>`. */
  redrivenFrom: 'dlt-redriven-from',
  /** On an action record: `redriven` or `purged`. */
  action: 'dlt-action',
  /** On an action record: the offset, in this partition, of the dead letter it is about. */
  actionTarget: 'dlt-action-target',
} as const;

/** Describe one failure; a redrive leaves them behind (a new failure writes its own). */
export const FAILURE_HEADERS: readonly string[] = [
  DLT_HEADERS.originalTopic,
  DLT_HEADERS.originalPartition,
  DLT_HEADERS.originalOffset,
  DLT_HEADERS.consumerGroup,
  DLT_HEADERS.errorCode,
  DLT_HEADERS.errorMessage,
  DLT_HEADERS.failedAt,
];

/** Replaced on every redrive. */
export const REDRIVE_HEADERS: readonly string[] = [
  DLT_HEADERS.redriveCount,
  DLT_HEADERS.redrivenAt,
  DLT_HEADERS.redrivenBy,
  DLT_HEADERS.redriveReason,
  DLT_HEADERS.redrivenFrom,
];

export type DeadLetterAction = 'redriven' | 'purged';
