import { ConfigError } from '../config';
import { listenPublicAndAdmin } from '../http-app';
import type { BootedService } from './boot-saga-participant';

/**
 * Boots a service: a configuration error exits with status 78 (EX_CONFIG) and a message naming
 * the variables, before anything listens; any other boot failure exits with status 1. (An
 * unreachable dependency is no boot failure: the boot waits for it, see ADR 0015.)
 */
export async function runService(name: string, boot: () => Promise<BootedService>): Promise<void> {
  try {
    const { app, logger, bootListener, ...addresses } = await boot();
    // The ports go from the boot listener to the app: closed, then bound again at once. A probe
    // landing in those few milliseconds is refused: one failure, below any probe's threshold.
    await bootListener?.close();
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
