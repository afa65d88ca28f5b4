import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  consumerRestartPolicy,
  loadConfig,
  messageRetryPolicy,
  outboxRelistenPolicy,
  outboxRetryPolicy,
  sagaParticipantConfigShape,
} from './config';

const schema = z.object(sagaParticipantConfigShape);
const minimal = { KAFKA_BROKERS: 'a:9092', DATABASE_URL: 'postgres://u@h:5432/db' };

describe('loadConfig', () => {
  it('parses and defaults a valid environment', () => {
    const config = loadConfig(schema, {
      KAFKA_BROKERS: 'a:9092, b:9093',
      DATABASE_URL: 'postgres://u@h:5432/db',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      ADMIN_PORT: 9080,
      // Operator endpoints stay on loopback unless a deployment says otherwise.
      ADMIN_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: ['a:9092', 'b:9093'],
      KAFKA_TOPIC_PREFIX: '',
      SAGA_MODE: 'choreography',
      DATABASE_POOL_SIZE: 10,
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(schema, {
        PORT: '99999',
        ADMIN_PORT: 'admin',
        KAFKA_BROKERS: 'no-port',
        DATABASE_URL: 'mysql://x',
        SAGA_MODE: 'chaos',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const variable of ['PORT', 'ADMIN_PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'SAGA_MODE'])
      expect(message).toContain(variable);
  });
});

describe('retry budgets', () => {
  it('default to the consumer and relay policies the code was tuned with', () => {
    const config = loadConfig(schema, minimal);
    expect(messageRetryPolicy(config)).toEqual({
      baseMs: 100,
      capMs: 5_000,
      attempts: 8,
      jitter: 'full',
      whenExhausted: 'dead-letter',
    });
    expect(outboxRetryPolicy(config)).toMatchObject({
      baseMs: 200,
      capMs: 5_000,
      attempts: Infinity,
    });
  });

  it('are set per deployment through the environment', () => {
    const config = loadConfig(schema, {
      ...minimal,
      CONSUMER_RETRY_ATTEMPTS: '20',
      CONSUMER_RETRY_BASE_MS: '250',
      CONSUMER_RETRY_CAP_MS: '30000',
    });
    expect(messageRetryPolicy(config)).toMatchObject({ baseMs: 250, capMs: 30_000, attempts: 20 });
  });

  it('cover the reconnect loops too: consumer restart and the relay re-LISTEN', () => {
    const defaults = loadConfig(schema, minimal);
    for (const policy of [consumerRestartPolicy(defaults), outboxRelistenPolicy(defaults)])
      expect(policy).toEqual({
        baseMs: 500,
        capMs: 10_000,
        attempts: Infinity,
        jitter: 'equal',
        whenExhausted: 'fail',
      });
    const tuned = loadConfig(schema, {
      ...minimal,
      CONSUMER_RESTART_BASE_MS: '1000',
      CONSUMER_RESTART_CAP_MS: '60000',
      OUTBOX_RELISTEN_CAP_MS: '30000',
    });
    expect(consumerRestartPolicy(tuned)).toMatchObject({ baseMs: 1_000, capMs: 60_000 });
    expect(outboxRelistenPolicy(tuned)).toMatchObject({ baseMs: 500, capMs: 30_000 });
    const inverted = loadConfig(schema, { ...minimal, OUTBOX_RELISTEN_BASE_MS: '20000' });
    expect(() => outboxRelistenPolicy(inverted)).toThrow(/OUTBOX_RELISTEN_BASE_MS/);
  });

  it('refuse a base above its cap, naming the variables', () => {
    const config = loadConfig(schema, { ...minimal, OUTBOX_RETRY_BASE_MS: '9000' });
    expect(() => outboxRetryPolicy(config)).toThrow(/OUTBOX_RETRY_BASE_MS.*OUTBOX_RETRY_CAP_MS/);
    expect(() => loadConfig(schema, { ...minimal, CONSUMER_RETRY_ATTEMPTS: '0' })).toThrow(
      /CONSUMER_RETRY_ATTEMPTS/,
    );
  });
});
