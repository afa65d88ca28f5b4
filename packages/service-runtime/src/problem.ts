import type { ErrorCode } from '@order-saga/contracts';

/**
 * RFC 9457 problem details. Every error that leaves a service over HTTP is one of these, with a
 * stable, namespaced `code` clients can switch on (the `title` and `detail` are for humans).
 */
export interface ProblemField {
  readonly field: string;
  readonly message: string;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly ProblemField[];
}

export interface ProblemOptions {
  /** For humans: what exactly went wrong with this request. */
  readonly detail?: string;
  /** One entry per invalid field (see problemFieldsOf in @order-saga/contracts). */
  readonly errors?: readonly ProblemField[];
  /** The error this one wraps: kept for the log, never sent to the client. */
  readonly cause?: unknown;
  /** Response headers the problem implies, e.g. `retry-after` on a 409 or 503. */
  readonly headers?: Readonly<Record<string, string>>;
}

export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly detail: string | undefined;
  readonly errors: readonly ProblemField[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    options: ProblemOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export function problemBody(error: ProblemError, instance?: string): ProblemBody {
  return {
    type: `urn:order-saga:problem:${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    ...(instance === undefined ? {} : { instance }),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
