// Jars for the JVM servers (Kafka, Zipkin), resolved by Maven from a pom in scripts/stack/<name>/
// into the Maven cache (~/.m2): nothing is downloaded into, or committed to, the repository.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runCommand } from './processes.ts';
import { StackError, withProgress, type ServerName } from './progress.ts';

export interface MavenClasspath {
  readonly server: ServerName;
  readonly pom: string;
  /** Where the resolved classpath is cached, next to a stamp of the pom it came from. */
  readonly classpathFile: string;
}

function cached(classpathFile: string, stampFile: string, pomHash: string): string | undefined {
  if (!existsSync(classpathFile) || !existsSync(stampFile)) return undefined;
  if (readFileSync(stampFile, 'utf8').trim() !== pomHash) return undefined;
  const classpath = readFileSync(classpathFile, 'utf8').trim();
  const jars = classpath.split(':');
  return jars.length > 0 && jars.every((jar) => existsSync(jar)) ? classpath : undefined;
}

/**
 * The runtime classpath of `pom` (colon-separated jar paths). Cached: a version bump in the pom
 * (its sha256 changes) or a jar missing from ~/.m2 resolves again.
 */
export async function resolveClasspath({
  server,
  pom,
  classpathFile,
}: MavenClasspath): Promise<string> {
  const stampFile = `${classpathFile}.pom-sha256`;
  const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');
  const hit = cached(classpathFile, stampFile, pomHash);
  if (hit) return hit;
  rmSync(stampFile, { force: true });
  const args = [
    '-q',
    '-B',
    '-f',
    pom,
    'dependency:build-classpath',
    `-Dmdep.outputFile=${classpathFile}`,
  ];
  const result = await withProgress(
    server,
    'resolving jars with Maven (first run only; cached in ~/.m2)',
    runCommand('mvn', args),
  );
  if (result.code !== 0 || !existsSync(classpathFile)) {
    const tail = result.output.trim().split('\n').slice(-40).join('\n');
    throw new StackError(
      `${server}: Maven could not resolve the jars (mvn ${args.join(' ')}):\n${tail}`,
    );
  }
  writeFileSync(stampFile, `${pomHash}\n`);
  return readFileSync(classpathFile, 'utf8').trim();
}
