// What an outdated OpenTelemetry Operator image leaves behind: a tracer provider registered by an
// older @opentelemetry/api (1.3) in the API's global registry. Our newer API refuses globals older
// than itself, so the services' own spans would go nowhere: the bootstrap must say so.
const registry = Symbol.for('opentelemetry.js.api.1');
(globalThis as Record<symbol, unknown>)[registry] = {
  version: '1.3.0',
  trace: { getTracer: () => undefined },
};
