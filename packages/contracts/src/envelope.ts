import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { MESSAGES, messageNameOfType, type MessageData, type MessageName } from './catalogue';
import type { ErrorCode } from './error-codes';
import { problemFieldsOf } from './problem-fields';

/**
 * A message with its metadata. On Kafka it travels in CloudEvents binary mode: the metadata in
 * headers, `data` as the JSON value, the orderId (`subject`) as the record key.
 */
export interface Envelope<N extends MessageName = MessageName> {
  readonly name: N;
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: string;
  /** The orderId: the aggregate this message is about, and the Kafka record key. */
  readonly subject: string;
  readonly correlationId: string;
  /** Id of the message that caused this one; null for the first message of a saga. */
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
  readonly data: MessageData<N>;
}

/** Narrowable union: `switch (envelope.name)` types `envelope.data`. */
export type AnyEnvelope = { [N in MessageName]: Envelope<N> }[MessageName];

export interface Causation {
  readonly source: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent: string | null;
  readonly tracestate?: string | null;
}

export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    readonly issues: readonly string[] = [],
    options?: { readonly cause?: unknown },
  ) {
    super(issues.length > 0 ? `${message}: ${issues.join('; ')}` : message, options);
  }
}

/** Why a record is not a valid message: the ENVELOPE.* codes of the registry. */
export type DecodeErrorCode = Extract<ErrorCode, `ENVELOPE.${string}`>;

function formatIssues(error: z.ZodError): string[] {
  return problemFieldsOf(error, '(root)').map(({ field, message }) => `${field}: ${message}`);
}

function validate<N extends MessageName>(name: N, data: unknown): MessageData<N> {
  const result = MESSAGES[name].schema.safeParse(data);
  if (!result.success) {
    throw new ContractViolation(
      'ENVELOPE.SCHEMA_VIOLATION',
      `${MESSAGES[name].type} does not match its schema`,
      formatIssues(result.error),
    );
  }
  return result.data as MessageData<N>;
}

/** Builds a validated envelope; throws ContractViolation if `data` breaks the schema. */
export function createEnvelope<N extends MessageName>(
  name: N,
  subject: string,
  data: MessageData<N>,
  causation: Causation,
): Envelope<N> {
  return {
    name,
    id: randomUUID(),
    type: MESSAGES[name].type,
    source: causation.source,
    time: new Date().toISOString(),
    subject,
    correlationId: causation.correlationId,
    causationId: causation.causationId,
    traceparent: causation.traceparent,
    tracestate: causation.tracestate ?? null,
    data: validate(name, data),
  };
}

export const HEADERS = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  subject: 'ce_subject',
  contentType: 'content-type',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export interface EncodedMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

export function encodeEnvelope(envelope: Envelope): EncodedMessage {
  const headers: Record<string, string> = {
    [HEADERS.specversion]: '1.0',
    [HEADERS.id]: envelope.id,
    [HEADERS.type]: envelope.type,
    [HEADERS.source]: envelope.source,
    [HEADERS.time]: envelope.time,
    [HEADERS.subject]: envelope.subject,
    [HEADERS.contentType]: 'application/json',
    [HEADERS.correlationId]: envelope.correlationId,
  };
  if (envelope.causationId !== null) headers[HEADERS.causationId] = envelope.causationId;
  if (envelope.traceparent !== null) headers[HEADERS.traceparent] = envelope.traceparent;
  if (envelope.tracestate !== null) headers[HEADERS.tracestate] = envelope.tracestate;
  return {
    topic: MESSAGES[envelope.name].topic,
    key: envelope.subject,
    value: JSON.stringify(envelope.data),
    headers,
  };
}

/** The shape kafkajs hands to consumers, kept structural so contracts need no Kafka import. */
export type RawHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

export interface RawMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: RawHeaders;
}

export type DecodeResult =
  | { readonly ok: true; readonly envelope: AnyEnvelope }
  | { readonly ok: false; readonly error: ContractViolation };

export function headerValue(headers: RawHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Decodes and validates a Kafka record. Never throws: a bad record is a value to dead-letter. */
export function decodeMessage(message: RawMessage): DecodeResult {
  try {
    return { ok: true, envelope: decodeOrThrow(message) };
  } catch (error) {
    if (error instanceof ContractViolation) return { ok: false, error };
    throw error;
  }
}

function decodeOrThrow(message: RawMessage): AnyEnvelope {
  const required = (header: string): string => {
    const value = headerValue(message.headers, header);
    if (value === undefined || value === '') {
      throw new ContractViolation('ENVELOPE.MISSING_HEADER', `header ${header} is missing`);
    }
    return value;
  };
  const specversion = required(HEADERS.specversion);
  if (specversion !== '1.0') {
    throw new ContractViolation(
      'ENVELOPE.UNSUPPORTED_SPECVERSION',
      `ce_specversion ${specversion} is not supported (expected 1.0)`,
    );
  }
  const type = required(HEADERS.type);
  const name = messageNameOfType(type);
  if (name === undefined) {
    throw new ContractViolation('ENVELOPE.UNKNOWN_TYPE', `ce_type ${type} is not in the catalogue`);
  }
  let data: unknown;
  try {
    data = JSON.parse(message.value?.toString() ?? '');
  } catch (error) {
    throw new ContractViolation(
      'ENVELOPE.INVALID_JSON',
      `value of ${type} is not JSON (${(error as Error).message})`,
      [],
      { cause: error },
    );
  }
  const subject = required(HEADERS.subject);
  const key = message.key?.toString();
  if (key !== subject) {
    throw new ContractViolation(
      'ENVELOPE.KEY_MISMATCH',
      `record key ${String(key)} differs from ce_subject ${subject}`,
    );
  }
  return {
    name,
    id: required(HEADERS.id),
    type,
    source: required(HEADERS.source),
    time: required(HEADERS.time),
    subject,
    correlationId: required(HEADERS.correlationId),
    causationId: headerValue(message.headers, HEADERS.causationId) ?? null,
    traceparent: headerValue(message.headers, HEADERS.traceparent) ?? null,
    tracestate: headerValue(message.headers, HEADERS.tracestate) ?? null,
    data: validate(name, data),
  } as AnyEnvelope;
}
