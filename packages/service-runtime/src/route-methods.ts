/**
 * The methods each route pattern answers, so a request with a known path and an unknown method
 * gets 405 with `Allow` (RFC 9110 §15.5.6) instead of a 404 that sends the client looking for a
 * route that exists. Filled from Fastify's onRoute hook, which sees every route, Nest's included.
 */
export class RouteMethods {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(url: string, method: string | readonly string[]): void {
    const source = url
      .split('/')
      .map((segment) => (segment.startsWith(':') || segment === '*' ? '[^/]+' : escape(segment)))
      .join('/');
    const pattern = new RegExp(`^${source}/?$`);
    let route = this.routes.find((r) => r.pattern.source === pattern.source);
    if (route === undefined) {
      route = { pattern, methods: new Set() };
      this.routes.push(route);
    }
    for (const m of typeof method === 'string' ? [method] : method) route.methods.add(m);
  }

  /** The methods some route at `path` answers, sorted; empty when no route has this path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes)
      if (route.pattern.test(path)) for (const m of route.methods) methods.add(m);
    return [...methods].sort();
  }
}

function escape(segment: string): string {
  return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
