/**
 * The OpenTelemetry semantic-convention attribute names used here. The messaging and CloudEvents
 * ones are still "incubating" upstream, and @opentelemetry/semantic-conventions asks users to copy
 * incubating names rather than import them (they may be renamed in a minor release).
 * https://opentelemetry.io/docs/specs/semconv/messaging/kafka/
 */
export const ATTR = {
  messagingSystem: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destinationName: 'messaging.destination.name',
  partitionId: 'messaging.destination.partition.id',
  messageId: 'messaging.message.id',
  kafkaMessageKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
  consumerGroup: 'messaging.consumer.group.name',
  eventId: 'cloudevents.event_id',
  eventType: 'cloudevents.event_type',
  eventSource: 'cloudevents.event_source',
  eventSubject: 'cloudevents.event_subject',
  errorType: 'error.type',
} as const;

export const KAFKA = 'kafka';
