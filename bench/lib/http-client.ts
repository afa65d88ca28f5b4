// The load generator's HTTP client: node:http with keep-alive connections, lighter per request
// than fetch (undici's WHATWG layer), so the client steals less CPU from the services it measures.
import { Agent, request } from 'node:http';

export interface PostResult {
  readonly status: number;
  readonly body: string;
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
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
