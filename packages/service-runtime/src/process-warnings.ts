import type { Logger } from '@order-saga/observability';

/**
 * Routes Node process warnings to the service log as JSON instead of bare stderr text.
 * kafkajs 2.2.4 schedules a timer with a negative delay on every connection under Node 24
 * (tulios/kafkajs#1751); Node clamps it to 1 ms, which is what kafkajs meant, so that one
 * warning is dropped rather than logged on every connect.
 */
export function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    logger.warn({ warning: { name: warning.name, message: warning.message } }, 'process.warning');
  });
}
