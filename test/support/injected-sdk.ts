// A stand-in for the OpenTelemetry Operator's injected Node.js SDK, preloaded the way the
// operator does it (`NODE_OPTIONS=--require .../autoinstrumentation.js`): a global tracer
// provider, a context manager and the HTTP instrumentation, writing each finished span as one
// JSON line to $INJECTED_SPANS_FILE. If a service started a second SDK on top, that SDK's
// instrumentations (Nest, pg, undici, ...) would patch the service as well and their spans would
// land here too, next to the stand-in's HTTP ones.
import { appendFileSync } from 'node:fs';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

const file = process.env['INJECTED_SPANS_FILE'];
if (file === undefined) throw new Error('INJECTED_SPANS_FILE is not set');

const provider = new TracerProvider({
  spanProcessors: [
    new SimpleSpanProcessor({
      exporter: {
        export(spans: ReadableSpan[], done) {
          for (const span of spans)
            appendFileSync(
              file,
              `${JSON.stringify({
                name: span.name,
                scope: span.instrumentationScope.name,
                attributes: span.attributes,
              })}\n`,
            );
          done({ code: ExportResultCode.SUCCESS });
        },
        shutdown: () => Promise.resolve(),
      },
    }),
  ],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
