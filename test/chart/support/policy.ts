// The policies the issue names, as functions returning problems, so the tests can show both that
// the chart passes them and that they catch a broken object.
import { id, type K8sObject } from './helm.ts';
import { allContainers, matches, ofKind, parseImage, podTemplates } from './objects.ts';

/** Every container: liveness + readiness probes (helm test hooks excepted: they run once). */
export function probeProblems(objects: K8sObject[]): string[] {
  return podTemplates(objects)
    .filter((pod) => !pod.isTestHook)
    .flatMap((pod) => pod.spec.containers.map((c) => ({ pod, c })))
    .filter(({ c }) => !c.livenessProbe || !c.readinessProbe)
    .map(({ pod, c }) => `${id(pod.owner)}/${c.name}: missing liveness or readiness probe`);
}

/** Every container (init containers included): CPU + memory requests and a memory limit. */
export function resourceProblems(objects: K8sObject[]): string[] {
  return podTemplates(objects)
    .flatMap((pod) => allContainers(pod.spec).map((c) => ({ pod, c })))
    .filter(
      ({ c }) =>
        !c.resources?.requests?.cpu || !c.resources.requests.memory || !c.resources.limits?.memory,
    )
    .map(({ pod, c }) => `${id(pod.owner)}/${c.name}: missing CPU/memory request or memory limit`);
}

/** Every container runs with runAsNonRoot and a numeric, non-zero uid (pod or container level). */
export function nonRootProblems(objects: K8sObject[]): string[] {
  return podTemplates(objects)
    .flatMap((pod) => allContainers(pod.spec).map((c) => ({ pod, c })))
    .filter(({ pod, c }) => {
      const nonRoot = c.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot;
      const uid = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
      return nonRoot !== true || typeof uid !== 'number' || uid === 0;
    })
    .map(({ pod, c }) => `${id(pod.owner)}/${c.name}: not a numeric non-root user`);
}

/** Every container image has an explicit tag that is not `latest`. */
export function imageTagProblems(objects: K8sObject[]): string[] {
  return podTemplates(objects)
    .flatMap((pod) => allContainers(pod.spec).map((c) => ({ pod, c })))
    .filter(({ c }) => {
      const tag = parseImage(c.image ?? '').tag;
      return !c.image || !tag || tag === 'latest';
    })
    .map(({ pod, c }) => `${id(pod.owner)}/${c.name}: image ${c.image ?? '<none>'} is not pinned`);
}

/** Every ServiceMonitor selects at least one rendered Service, and each endpoint port exists on it. */
export function serviceMonitorProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const monitor of ofKind(objects, 'ServiceMonitor')) {
    const spec = monitor.spec as {
      selector: { matchLabels?: Record<string, string> };
      endpoints: { port?: string }[];
    };
    const services = ofKind(objects, 'Service').filter((s) =>
      matches(spec.selector.matchLabels ?? {}, s.metadata.labels ?? {}),
    );
    if (services.length === 0) problems.push(`${id(monitor)}: selects no Service`);
    for (const endpoint of spec.endpoints) {
      for (const service of services) {
        const ports = (service.spec as { ports: { name?: string }[] }).ports.map((p) => p.name);
        if (!endpoint.port || !ports.includes(endpoint.port)) {
          problems.push(
            `${id(monitor)}: ${id(service)} has no port named ${endpoint.port ?? '<unset>'}`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Secrets the operators create for the rendered custom resources, per their docs:
 * CloudNativePG <cluster>-app (basic-auth of the bootstrap owner; keys from its secrets.go),
 * -ca, -server, -replication; Strimzi <cluster>-cluster-ca-cert and -clients-ca-cert.
 * Keys null = not checked.
 */
export function operatorSecrets(objects: K8sObject[]): Map<string, string[] | null> {
  const secrets = new Map<string, string[] | null>();
  for (const cluster of ofKind(objects, 'Cluster')) {
    const name = cluster.metadata.name;
    secrets.set(`${name}-app`, [
      'username',
      'user',
      'password',
      'dbname',
      'host',
      'port',
      'uri',
      'jdbc-uri',
      'pgpass',
      'fqdn-uri',
      'fqdn-jdbc-uri',
    ]);
    for (const suffix of ['ca', 'server', 'replication']) secrets.set(`${name}-${suffix}`, null);
  }
  for (const kafka of ofKind(objects, 'Kafka')) {
    for (const suffix of ['cluster-ca-cert', 'clients-ca-cert'])
      secrets.set(`${kafka.metadata.name}-${suffix}`, null);
  }
  return secrets;
}

/** Every Secret reference (env, envFrom, volumes, CloudNativePG role passwords) resolves. */
export function secretReferenceProblems(objects: K8sObject[]): string[] {
  const secrets = operatorSecrets(objects);
  for (const secret of ofKind(objects, 'Secret')) {
    const data = {
      ...((secret.data as object | undefined) ?? {}),
      ...((secret.stringData as object | undefined) ?? {}),
    };
    secrets.set(secret.metadata.name, Object.keys(data));
  }
  const problems: string[] = [];
  const check = (where: string, name: string, key?: string): void => {
    if (!secrets.has(name)) {
      problems.push(`${where}: Secret ${name} is created by neither the chart nor an operator`);
      return;
    }
    const keys = secrets.get(name);
    if (key && keys && !keys.includes(key))
      problems.push(`${where}: Secret ${name} has no key ${key}`);
  };
  for (const pod of podTemplates(objects)) {
    for (const c of allContainers(pod.spec)) {
      for (const env of c.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        // An optional key (the webhook's `previous`, present only during a rotation) may be absent.
        if (ref)
          check(
            `${id(pod.owner)}/${c.name} env ${env.name}`,
            ref.name,
            ref.optional === true ? undefined : ref.key,
          );
      }
      for (const source of c.envFrom ?? []) {
        if (source.secretRef) check(`${id(pod.owner)}/${c.name} envFrom`, source.secretRef.name);
      }
    }
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.secret) check(`${id(pod.owner)} volume ${volume.name}`, volume.secret.secretName);
    }
  }
  for (const cluster of ofKind(objects, 'Cluster')) {
    const roles =
      (
        cluster.spec as {
          managed?: { roles?: { name: string; passwordSecret?: { name: string } }[] };
        }
      ).managed?.roles ?? [];
    for (const role of roles) {
      if (role.passwordSecret)
        check(`${id(cluster)} role ${role.name}`, role.passwordSecret.name, 'password');
    }
  }
  return problems;
}
