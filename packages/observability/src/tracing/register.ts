/**
 * The tracing bootstrap, loaded before the application: `node --import
 * @order-saga/observability/tracing dist/main.js`. Every way a service starts does this (the
 * launcher behind tests, demo and benchmark, `npm start`, the container image). Under the
 * OpenTelemetry Operator the injected SDK registers first and this one stands down.
 */
import { createLogger } from '../logger';
import { startTracing } from './tracing-sdk';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const level = process.env['LOG_LEVEL'] ?? 'info';

const outcome = startTracing();
const logger = createLogger(outcome.serviceName, LEVELS.has(level) ? level : 'info');
switch (outcome.status) {
  case 'started':
    logger.info(
      {
        exporter: process.env['OTEL_TRACES_EXPORTER'] || 'otlp',
        sampler: process.env['OTEL_TRACES_SAMPLER'] || 'parentbased_always_on',
        samplerArg: process.env['OTEL_TRACES_SAMPLER_ARG'],
      },
      'tracing.started',
    );
    break;
  case 'injected':
    if (outcome.compatible)
      logger.info(
        { reason: 'a tracer provider was registered before this bootstrap ran' },
        'tracing.injected_sdk_in_use',
      );
    else
      logger.warn(
        {
          injectedApiVersion: outcome.injectedApiVersion,
          reason:
            'the injected SDK uses an older @opentelemetry/api than the services: their Kafka spans ' +
            'and the trace ids in log lines are lost; inject an autoinstrumentation image built on ' +
            'the same API version (tracing.autoInstrumentationImage)',
        },
        'tracing.injected_sdk_incompatible',
      );
    break;
  case 'disabled':
    logger.info('tracing.disabled');
    break;
}
