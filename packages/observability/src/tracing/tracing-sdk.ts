import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { trace, type ProxyTracerProvider } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { envDetector, hostDetector, serviceInstanceIdDetector } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';

export type TracingStart =
  | { readonly status: 'started'; readonly sdk: NodeSDK; readonly serviceName: string }
  /**
   * Another SDK (the OpenTelemetry Operator's injected one) registered first: ours stays off.
   * `compatible` is false when that SDK's @opentelemetry/api is older than ours: this API then
   * refuses its globals, and the spans and log ids made through it would be lost.
   */
  | {
      readonly status: 'injected';
      readonly serviceName: string;
      readonly compatible: boolean;
      readonly injectedApiVersion: string | undefined;
    }
  /** OTEL_SDK_DISABLED=true. */
  | { readonly status: 'disabled'; readonly serviceName: string };

// The API keeps its globals under this key, the same in every 1.x version.
const API_REGISTRY = Symbol.for('opentelemetry.js.api.1');

interface RegisteredProvider {
  /** Seen through this process's @opentelemetry/api. */
  readonly compatible: boolean;
  readonly apiVersion: string | undefined;
}

/**
 * The tracer provider already registered globally, if any: another SDK was preloaded (the
 * Operator appends `--require .../autoinstrumentation.js` to NODE_OPTIONS, and --require preloads
 * run before --import ones). The raw registry is read too: the API ignores a global registered by
 * an older API minor version, yet registering a second one would still fail.
 */
export function registeredTracerProvider(): RegisteredProvider | undefined {
  const provider = trace.getTracerProvider();
  const registry = (globalThis as Record<symbol, unknown>)[API_REGISTRY];
  const raw =
    typeof registry === 'object' && registry !== null
      ? (registry as { trace?: unknown; version?: unknown })
      : undefined;
  const apiVersion = typeof raw?.version === 'string' ? raw.version : undefined;
  // Duck-typed: the injected SDK's proxy may come from another copy of the API (its own
  // node_modules, or the ESM build beside our CommonJS one), so instanceof would say no.
  const proxy = provider as Partial<Pick<ProxyTracerProvider, 'getDelegateTracer'>>;
  if (
    typeof proxy.getDelegateTracer === 'function' &&
    proxy.getDelegateTracer('probe') !== undefined
  )
    return { compatible: true, apiVersion };
  return raw?.trace === undefined ? undefined : { compatible: false, apiVersion };
}

// Liveness/readiness probes and Prometheus scrapes arrive every few seconds and say nothing
// about an order: tracing them would bury the sagas.
const UNTRACED_PATHS = /^\/(health\/|metrics(\?|$))/;

/**
 * `@order-saga/orders-service` -> `orders-service`, from the package.json beside the entry
 * script's folder (services/<name>/dist/main.js), for a process started without OTEL_SERVICE_NAME.
 */
function serviceNameFromEntry(entry: string | undefined): string {
  if (entry === undefined) return 'unknown_service:node';
  try {
    const manifest = JSON.parse(
      readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8'),
    ) as { name?: unknown };
    if (typeof manifest.name === 'string') return manifest.name.replace(/^@[^/]+\//, '');
  } catch {
    // not a service layout: fall through
  }
  return 'unknown_service:node';
}

/**
 * Starts the OpenTelemetry Node SDK with the auto-instrumentations, configured by the standard
 * OTEL_* variables (exporter, endpoint, sampler, propagators, resource). Must run before the
 * application loads http, pg, ioredis or Nest, hence `node --import` of ./register.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): TracingStart {
  const serviceName = env['OTEL_SERVICE_NAME'] || serviceNameFromEntry(process.argv[1]);
  const registered = registeredTracerProvider();
  if (registered !== undefined)
    return {
      status: 'injected',
      serviceName,
      compatible: registered.compatible,
      injectedApiVersion: registered.apiVersion,
    };
  if (['true', '1'].includes((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase()))
    return { status: 'disabled', serviceName };
  const sdk = new NodeSDK({
    serviceName,
    // Not the SDK's process detector unless asked for (OTEL_NODE_RESOURCE_DETECTORS): it puts the
    // whole command line on every span, where an argument could carry a secret.
    ...(env['OTEL_NODE_RESOURCE_DETECTORS']
      ? {}
      : { resourceDetectors: [envDetector, hostDetector, serviceInstanceIdDetector] }),
    // Metrics are prom-client's (/metrics) and logs are pino JSON on stdout; exporting either
    // over OTLP as well would duplicate them.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: getNodeAutoInstrumentations({
      // Kafka spans are made by hand (messaging-spans.ts, ADR 0011), trace ids reach the log
      // lines through the logger's mixin (logger.ts); these two would duplicate or break them.
      '@opentelemetry/instrumentation-kafkajs': { enabled: false },
      '@opentelemetry/instrumentation-pino': { enabled: false },
      // A span per file read, DNS lookup or socket is noise around every Kafka and pg call.
      '@opentelemetry/instrumentation-fs': { enabled: false },
      '@opentelemetry/instrumentation-dns': { enabled: false },
      '@opentelemetry/instrumentation-net': { enabled: false },
      // Probes and scrapes are not part of any order, in either direction: a service polling a
      // dependency's readiness (fetch, hence undici) must not fill the trace backend either.
      '@opentelemetry/instrumentation-http': {
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        ignoreOutgoingRequestHook: (request) => UNTRACED_PATHS.test(request.path ?? ''),
      },
      '@opentelemetry/instrumentation-undici': {
        ignoreRequestHook: (request) => UNTRACED_PATHS.test(request.path),
      },
      // Statement text only, with $n placeholders: parameter values (payment methods, amounts)
      // are never recorded (enhancedDatabaseReporting stays off). Without a parent span a query
      // is the relay's poll or a health check, not part of any order.
      '@opentelemetry/instrumentation-pg': {
        requireParentSpan: true,
        enhancedDatabaseReporting: false,
        ignoreConnectSpans: true,
      },
      '@opentelemetry/instrumentation-ioredis': {
        requireParentSpan: true,
        // The command name only: arguments of SET or EVAL are stored values.
        dbStatementSerializer: (command) => command,
      },
    }),
  });
  sdk.start();
  return { status: 'started', sdk, serviceName };
}
