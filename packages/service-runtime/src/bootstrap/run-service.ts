import type { INestApplication } from '@nestjs/common';
import type { Logger } from '@order-saga/observability';
import { ConfigError } from '../config';
import { listenPublicAndAdmin, type ListenAddresses } from '../http-app';

/**
 * Boots a service: a configuration error exits with status 78 (EX_CONFIG) and a message naming
 * the variables, before anything listens; any other boot failure exits with status 1.
 */
export async function runService(
  name: string,
  boot: () => Promise<{ app: INestApplication; logger: Logger } & ListenAddresses>,
): Promise<void> {
  try {
    const { app, logger, ...addresses } = await boot();
    const bound = await listenPublicAndAdmin(app, addresses);
    logger.info(
      {
        host: addresses.host,
        port: bound.port,
        adminHost: addresses.adminHost,
        adminPort: bound.adminPort,
      },
      'service.listening',
    );
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
