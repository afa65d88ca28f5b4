import { http } from '../../scripts/system/orders-api.ts';

/**
 * A metric as a service's /metrics shows it: the sum of its samples over the lines that carry
 * every label given (e.g. `topic="orders.events"`), 0 when there is none.
 */
export async function metricSum(
  serviceUrl: string,
  name: string,
  ...labels: string[]
): Promise<number> {
  const { body } = await http<string>(`${serviceUrl}/metrics`);
  return body
    .split('\n')
    .filter(
      (l) =>
        (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) &&
        labels.every((p) => l.includes(p)),
    )
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}
