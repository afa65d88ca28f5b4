// The load generator's HTTP client: node:http with keep-alive connections, lighter per request
// than fetch (undici's WHATWG layer), so the client steals less CPU from the services it measures.
import { Agent, request } from 'node:http';

export interface PostResult {
  readonly status: number;
  readonly body: string;
  /** The Retry-After header ('' when absent): a shed request must carry one. */
  readonly retryAfter: string;
}

export function keepAliveAgent(maxSockets = 256): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
}

export function postJson(
  agent: Agent,
  url: URL,
  body: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            retryAfter: headerValue(res.headers['retry-after']),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Shed as documented: 503 + SERVICE.OVERLOADED problem + Retry-After (see order.problems.ts). */
export function isShed(response: PostResult): boolean {
  if (response.status !== 503 || response.retryAfter === '') return false;
  try {
    const parsed = JSON.parse(response.body) as { code?: unknown };
    return parsed.code === 'SERVICE.OVERLOADED';
  } catch {
    return false;
  }
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
