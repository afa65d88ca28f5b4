import { Controller, applyDecorators, SetMetadata, type Type } from '@nestjs/common';

/**
 * Every operator route lives under this prefix and answers on the admin listener only
 * (ADMIN_PORT, loopback by default); on the public port the same path is a plain 404.
 */
export const ADMIN_ROUTE_PREFIX = '/admin';

const ADMIN_CONTROLLER = Symbol('AdminController');

/**
 * Declares an operator controller: its routes are mounted under `/admin/<path>` and served only
 * on the admin port. Register it in the service's `adminControllers`, never in `controllers`.
 *
 *   @AdminController('provider')  // GET /admin/provider/status, ...
 *   export class ProviderKnobsController { ... }
 */
export function AdminController(path: string): ClassDecorator {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return applyDecorators(
    SetMetadata(ADMIN_CONTROLLER, true),
    Controller(
      trimmed === '' ? ADMIN_ROUTE_PREFIX.slice(1) : `${ADMIN_ROUTE_PREFIX.slice(1)}/${trimmed}`,
    ),
  );
}

function isAdminController(controller: Type<unknown>): boolean {
  return Reflect.getMetadata(ADMIN_CONTROLLER, controller) === true;
}

/**
 * Boot-time check of the split: an operator controller registered as public (or the reverse)
 * would silently move its routes to the wrong port, so it stops the boot instead.
 */
export function assertControllerSplit(
  controllers: readonly Type<unknown>[],
  adminControllers: readonly Type<unknown>[],
): void {
  const misplaced = [
    ...controllers.filter(isAdminController).map((c) => `${c.name} is an @AdminController`),
    ...adminControllers
      .filter((c) => !isAdminController(c))
      .map((c) => `${c.name} is in adminControllers without @AdminController`),
  ];
  if (misplaced.length > 0)
    throw new Error(`controllers registered on the wrong port: ${misplaced.join('; ')}`);
}

/** True for a matched route pattern (Fastify's routeOptions.url) under the admin prefix. */
export function isAdminRoute(routeUrl: string | undefined): boolean {
  return (
    routeUrl !== undefined &&
    (routeUrl === ADMIN_ROUTE_PREFIX || routeUrl.startsWith(`${ADMIN_ROUTE_PREFIX}/`))
  );
}
