import type { z } from 'zod';
import { DependencyUnavailableError, TerminalError } from '@order-saga/messaging';
import type { AuthorizationResult } from '../domain/payment';
import { ProviderPayment, ProviderProblem, ProviderRefund } from './provider-responses';

/**
 * The provider could not give an answer (timeout, connection refused, 5xx). The consumer retries
 * for as long as that lasts; the order waits in PAYMENT_PENDING and resumes when the provider does.
 */
export class ProviderUnavailableError extends DependencyUnavailableError {
  override readonly name = 'ProviderUnavailableError';
  readonly code = 'PROVIDER.UNAVAILABLE';
}

export interface AuthorizeRequest {
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: string;
}

/**
 * Carried to the provider so its records and logs join the saga's correlation. The trace context
 * (`traceparent`) is added by the HTTP client instrumentation, from the client span of the call.
 */
export interface CallContext {
  readonly correlationId: string;
}

/** What the provider said about a refund: done, or refused (402: the issuer said no, for now). */
export type RefundResult =
  | { readonly kind: 'refunded'; readonly providerRefundId: string }
  | { readonly kind: 'refused'; readonly detail: string };

/**
 * HTTP client of the payment provider. Every call carries an Idempotency-Key and a timeout;
 * transport failures and 5xx become ProviderUnavailableError (retryable), 4xx answers are final.
 */
export class PaymentProviderClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async authorize(request: AuthorizeRequest, context: CallContext): Promise<AuthorizationResult> {
    const response = await this.post('/v1/payments', request.idempotencyKey, context, {
      reference: request.reference,
      amount: request.amount,
      currency: request.currency,
      paymentMethod: request.paymentMethod,
    });
    if (response.status === 422) {
      const problem = await problemOf(response);
      return {
        kind: 'rejected',
        reason:
          problem.code === 'PAYMENT_METHOD.UNKNOWN' ? 'INVALID_PAYMENT_METHOD' : 'PROVIDER_ERROR',
        detail: problem.title ?? 'rejected by provider',
      };
    }
    if (!response.ok) throw await rejected(response, 'authorization');
    const payment = await answerOf(response, ProviderPayment, 'authorization');
    switch (payment.status) {
      case 'approved':
        return { kind: 'approved', providerPaymentId: payment.id };
      case 'pending':
        return { kind: 'pending', providerPaymentId: payment.id };
      default:
        return { kind: 'declined', declineCode: payment.declineCode ?? 'declined' };
    }
  }

  async refund(
    providerPaymentId: string,
    idempotencyKey: string,
    context: CallContext,
  ): Promise<RefundResult> {
    const response = await this.post(
      `/v1/payments/${encodeURIComponent(providerPaymentId)}/refunds`,
      idempotencyKey,
      context,
      {},
    );
    if (response.status === 402) {
      const problem = await problemOf(response);
      const detail = [problem.code, problem.detail ?? problem.title].filter(Boolean).join(': ');
      return { kind: 'refused', detail: (detail || 'refund refused').slice(0, 500) };
    }
    if (!response.ok) throw await rejected(response, 'refund');
    const refund = await answerOf(response, ProviderRefund, 'refund');
    return { kind: 'refunded', providerRefundId: refund.id };
  }

  private async post(
    path: string,
    idempotencyKey: string,
    context: CallContext,
    body: object,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          'x-correlation-id': context.correlationId,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ProviderUnavailableError(
        `provider unreachable: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new ProviderUnavailableError(`provider answered ${response.status}`);
    }
    return response;
  }
}

/**
 * A successful answer, checked against what the provider's API promises. One that does not match
 * (a proxy's HTML page, a changed API) is terminal: retrying returns the same answer, and an
 * operator must look; the message goes to its dead-letter topic with this code.
 */
async function answerOf<S extends z.ZodType>(
  response: Response,
  schema: S,
  operation: string,
): Promise<z.infer<S>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new TerminalError(
      'PROVIDER.MALFORMED_RESPONSE',
      `provider answered the ${operation} with ${response.status} and a body that is not JSON: ${text.slice(0, 200)}`,
      { cause: error },
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new TerminalError(
      'PROVIDER.MALFORMED_RESPONSE',
      `provider answered the ${operation} with ${response.status} and an unexpected body: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
      { cause: parsed.error },
    );
  return parsed.data;
}

/** A 4xx's problem+json; the status alone decides, so a body that is no problem reads as empty. */
async function problemOf(response: Response): Promise<ProviderProblem> {
  const body: unknown = await response.json().catch(() => ({}));
  const parsed = ProviderProblem.safeParse(body);
  return parsed.success ? parsed.data : {};
}

/** A 4xx other than a decline means our request was wrong: retrying it cannot help. */
async function rejected(response: Response, operation: string): Promise<TerminalError> {
  const body = await response.text();
  return new TerminalError(
    'PROVIDER.REJECTED',
    `provider rejected the ${operation} with ${response.status}: ${body.slice(0, 300)}`,
  );
}
