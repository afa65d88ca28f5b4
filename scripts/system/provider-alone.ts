import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePorts } from './saga-system.ts';
import { waitFor } from './wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface ProviderAlone {
  readonly publicUrl: string;
  readonly adminUrl: string;
  stop(): void;
}

/**
 * payment-provider-sim on its own, a separate process from its compiled dist/, untraced and
 * quiet, for tests of the simulator and of what watches it. Resolves once it listens.
 */
export async function startProviderAlone(env: Record<string, string> = {}): Promise<ProviderAlone> {
  const [port, adminPort] = await freePorts(2);
  const publicUrl = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const child = spawn(
    process.execPath,
    [join(ROOT, 'services/payment-provider-sim/dist/main.js')],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        PORT: String(port),
        ADMIN_PORT: String(adminPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        OTEL_SDK_DISABLED: 'true',
        ...env,
      },
      stdio: 'ignore',
    },
  );
  await waitFor('the simulator to listen', async () => {
    if (child.exitCode !== null) throw new Error(`payment-provider-sim exited ${child.exitCode}`);
    return (await fetch(`${publicUrl}/health/live`)).ok ? true : undefined;
  });
  return { publicUrl, adminUrl, stop: () => void child.kill('SIGTERM') };
}
