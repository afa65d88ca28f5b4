/**
 * Every stable error code, in one registry: problem+json `code`s, dead-letter `dlt-error-code`s
 * and terminal consumer failures. Clients and operators switch on these, so a code is never
 * renamed; the part before the dot names what it is about. ProblemError and TerminalError accept
 * only codes listed here: add a code here first (with what it means), then use it.
 */
export const ERROR_CODES = {
  // Any HTTP request, any service.
  'REQUEST.INVALID': 'the request is malformed',
  'REQUEST.EMPTY_BODY': 'a JSON body was required and the body is empty',
  'REQUEST.MALFORMED_JSON': 'the body is not valid JSON',
  'REQUEST.BODY_TOO_LARGE': 'the body exceeds HTTP_BODY_LIMIT_BYTES',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 'the body is not application/json',
  'ROUTE.NOT_FOUND': 'no such route',
  'ROUTE.METHOD_NOT_ALLOWED': 'the route exists, not with this method (see Allow)',
  'SERVICE.DATABASE_UNAVAILABLE': 'the service cannot reach its database; nothing changed, retry',
  'SERVICE.STARTING':
    'the service is booting and waits for its database or broker (see /health/ready); retry',
  'SERVICE.OVERLOADED':
    'the service is at capacity (too many unfinished sagas, or too many requests queued for a database connection); nothing changed, retry after Retry-After',
  'INTERNAL.UNEXPECTED': 'a bug or an outage; the details are in the service log',

  // orders-service API.
  'ORDER.VALIDATION_FAILED': 'the order is invalid; errors[] names each field',
  'ORDER.QUERY_INVALID': 'the list query is invalid; errors[] names each parameter',
  'ORDER.ID_MALFORMED': 'the order id is not a UUID',
  'ORDER.NOT_FOUND': 'no order with this id',
  // orders-service consumer.
  'ORDER.UNKNOWN': 'a saga fact refers to an order this service does not have',

  // orders-service API: Idempotency-Key (packages/idempotency).
  'IDEMPOTENCY.KEY_MALFORMED': 'the Idempotency-Key header is malformed',
  'IDEMPOTENCY.CLIENT_ID_MALFORMED': 'the X-Client-Id header is malformed',
  'IDEMPOTENCY.REQUEST_IN_FLIGHT':
    'a request with this key is still being processed (see Retry-After)',

  // fulfillment-service API.
  'INVENTORY.VALIDATION_FAILED': 'the stock update is invalid',
  'INVENTORY.SKU_NOT_FOUND': 'the SKU is not stocked',

  // payments-adapter admin port: compensations that gave up.
  'COMPENSATION.ORDER_ID_MALFORMED': 'the order id is not a UUID',
  'COMPENSATION.NOT_FOUND': 'no payment for this order',
  'COMPENSATION.NOT_FAILED': 'only a refund that gave up (REFUND_FAILED) can be retried',
  'COMPENSATION.REFUND_REFUSED': 'the provider refused the retried refund again',
  'COMPENSATION.PROVIDER_UNAVAILABLE':
    'the provider is unavailable (breaker open or no answer); nothing changed, retry after Retry-After',

  // Every consuming service's admin port: dead letters (npm run dlt).
  'DEAD_LETTER.ID_MALFORMED':
    'the dead-letter id is not <dead-letter topic>:<partition>:<offset> of this service',
  'DEAD_LETTER.NOT_FOUND': 'no unpurged dead letter of this service has this id',
  'DEAD_LETTER.SELECTION_INVALID':
    'name dead letters by id, or select them by code and/or type, or with all: true',
  'DEAD_LETTER.QUERY_INVALID': 'the dead-letter list query is invalid',
  'DEAD_LETTER.REDRIVE_CAP_REACHED':
    'every selected message was re-driven DEAD_LETTER_REDRIVE_CAP times already; nothing was sent',

  // payments-adapter: the provider's signed webhooks (POST /payments/callback).
  'WEBHOOK.SIGNATURE_MISSING': 'the Payment-Signature header is missing',
  'WEBHOOK.SIGNATURE_MALFORMED': 'the Payment-Signature header is malformed',
  'WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE': 'the signed timestamp is outside the tolerance window',
  'WEBHOOK.SIGNATURE_MISMATCH': 'the signature does not match the body',
  'WEBHOOK.REPLAYED': 'this signed request was already received',
  'WEBHOOK.PAYLOAD_INVALID': 'the verified body is not a valid webhook event',
  'WEBHOOK.UNKNOWN_PAYMENT': 'the webhook is about no payment of this service',
  'WEBHOOK.PAYMENT_MISMATCH': 'the webhook contradicts the payment it names',

  // payments-adapter consumer.
  'PAYMENT.UNKNOWN_ORDER': 'a refund was asked for an order without a payment',
  'PROVIDER.UNAVAILABLE': 'the payment provider gave no answer (timeout, refused, 5xx)',
  'PROVIDER.REJECTED': 'the payment provider refused the request (4xx)',
  'PROVIDER.REFUND_REFUSED': 'the provider refused a refund; retried within REFUND_MAX_REFUSALS',
  'PROVIDER.MALFORMED_RESPONSE': 'the payment provider answered something its API does not define',

  // payment-provider-sim API.
  'PAYMENT.VALIDATION_FAILED': 'the payment request is invalid',
  'PAYMENT.NOT_FOUND': 'no such payment',
  'PAYMENT.NOT_REFUNDABLE': 'only approved payments can be refunded',
  'REFUND.REFUSED': 'the card issuer refuses the refund (pm_card_refund_fails never refunds)',
  'PAYMENT_METHOD.UNKNOWN': 'the payment method token is not one the provider knows',
  'PROVIDER.TRANSIENT_ERROR': 'a transient provider error the simulator was told to inject',
  'PROVIDER.KNOBS_INVALID': 'the simulator knob settings are invalid',
  'PROVIDER.WEBHOOKS_NOT_CONFIGURED': 'async mode needs WEBHOOK_URL and WEBHOOK_SECRET',
  'PROVIDER.LEDGER_QUERY_INVALID': 'the ledger query is invalid',
  'IDEMPOTENCY.KEY_REQUIRED': 'the Idempotency-Key header is missing or malformed',
  'IDEMPOTENCY.KEY_REUSED': 'the Idempotency-Key was used for a different request',

  // Consumers: a record that is not a valid message (dead-lettered at once).
  'ENVELOPE.MISSING_HEADER': 'a required CloudEvents header is missing',
  'ENVELOPE.UNSUPPORTED_SPECVERSION': 'ce_specversion is not 1.0',
  'ENVELOPE.UNKNOWN_TYPE': 'ce_type names no message in the catalogue',
  'ENVELOPE.INVALID_JSON': 'the value is not JSON',
  'ENVELOPE.SCHEMA_VIOLATION': 'the data does not match its versioned schema',
  'ENVELOPE.KEY_MISMATCH': 'the record key is not the message subject',
} as const satisfies Record<string, string>;

/** A registered code, or `HTTP.<status>` for a framework error no code was registered for. */
export type ErrorCode = keyof typeof ERROR_CODES | `HTTP.${number}`;
