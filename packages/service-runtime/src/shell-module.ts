import {
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
  type Type,
} from '@nestjs/common';
import { flushTraces } from '@order-saga/observability';
import { assertControllerSplit } from './admin/admin-controller';

const SHUTDOWN = Symbol('shutdown');

class ShutdownHook implements OnApplicationShutdown {
  constructor(@Inject(SHUTDOWN) private readonly shutdown: () => Promise<void>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
    // Last: the spans of the final requests and messages leave before the process does.
    await flushTraces();
  }
}

@Module({})
class ServiceShellModule {}

export interface ShellOptions {
  /** Served on the public port (PORT). */
  readonly controllers?: Type<unknown>[];
  /** @AdminController classes, served on the admin port (ADMIN_PORT) only. */
  readonly adminControllers?: Type<unknown>[];
  /** Values built by the service's composition root (main.ts), keyed by class or token. */
  readonly providers?: Provider[];
  /** Runs when Nest closes: stop consumers and relays first, then close pools. */
  readonly shutdown: () => Promise<void>;
}

/**
 * The Nest module of a service is an HTTP shell around an object graph built in main.ts (the
 * composition root): application code stays plain classes, testable without Nest, and the
 * shutdown order is written once, explicitly.
 */
export function shellModule(options: ShellOptions): DynamicModule {
  const controllers = options.controllers ?? [];
  const adminControllers = options.adminControllers ?? [];
  assertControllerSplit(controllers, adminControllers);
  return {
    module: ServiceShellModule,
    controllers: [...controllers, ...adminControllers],
    providers: [
      ...(options.providers ?? []),
      { provide: SHUTDOWN, useValue: options.shutdown },
      ShutdownHook,
    ],
  };
}
