// Run by scripts/demo.sh right after the install and before the (slower) build: fails fast, with
// the command that installs it, if java, mvn, PostgreSQL, redis-server or prometheus is missing.
// The same check `npm run stack -- up` makes; servers pointed at from the environment need nothing
// local.
import { resolveStackEndpoints } from '../stack/endpoints.ts';
import { checkPrerequisites } from '../stack/prerequisites.ts';

try {
  const endpoints = resolveStackEndpoints(process.env);
  checkPrerequisites(
    {
      pg: !endpoints.postgres.external,
      redis: !endpoints.redis.external,
      kafka: !endpoints.kafka.external,
      zipkin: !endpoints.zipkin.external,
      prometheus: true,
    },
    process.env,
  );
} catch (error) {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
