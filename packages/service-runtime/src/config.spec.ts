import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  baseConfigShape,
  databaseConfigShape,
  kafkaConfigShape,
  loadConfig,
} from './config';

const schema = z.object({ ...baseConfigShape, ...kafkaConfigShape, ...databaseConfigShape });

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
