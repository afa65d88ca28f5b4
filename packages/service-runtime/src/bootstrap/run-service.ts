import type { INestApplication } from '@nestjs/common';
import type { Logger } from '@order-saga/observability';
import { ConfigError } from '../config';

/**
 * Boots a service: a configuration error exits with status 78 (EX_CONFIG) and a message naming
 * the variables, before anything listens; any other boot failure exits with status 1.
 */
export async function runService(
  name: string,
  boot: () => Promise<{ app: INestApplication; port: number; host: string; logger: Logger }>,
): Promise<void> {
  try {
    const { app, port, host, logger } = await boot();
    await app.listen(port, host);
    logger.info({ host, port }, 'service.listening');
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  }
}
