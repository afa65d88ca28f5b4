// `helm test` smoke test: places one order through the public API and waits until the saga has
// taken it to FULFILLED. Runs with the orders-service image's own Node (global fetch, no deps).
// Configured by env: ORDERS_URL, TIMEOUT_SECONDS.
const base = process.env.ORDERS_URL;
const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS ?? '180') * 1000;
// Same key on every retry of the POST: a retried request can never create a second order.
const idempotencyKey = `helm-test-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
const headers = {
  'content-type': 'application/json',
  'idempotency-key': idempotencyKey,
  // Lets `kubectl logs ... | grep <correlationId>` find every log line of this saga.
  'x-correlation-id': idempotencyKey,
};
const body = JSON.stringify({
  customerId: 'c-helm-test',
  currency: 'EUR',
  items: [{ sku: 'SKU-DEMO-1', quantity: 1, unitPrice: 1000 }],
  paymentMethod: 'pm_card_visa',
});
const TERMINAL_FAILURES = new Set(['CANCELLED', 'COMPENSATION_FAILED']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message, detail) {
  console.error(`FAIL ${message}`);
  if (detail !== undefined)
    console.error(typeof detail === 'string' ? detail : JSON.stringify(detail, null, 2));
  process.exit(1);
}

async function request(method, path, init = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...init,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

// The API may still be settling right after install: retry connection errors and 5xx.
let created;
while (!created) {
  if (Date.now() > deadline) fail('POST /orders did not succeed before the deadline');
  try {
    const response = await request('POST', '/orders', { headers, body });
    if (response.status === 201) created = response.json;
    else if (response.status < 500) fail(`POST /orders answered ${response.status}`, response.text);
    else console.log(`POST /orders answered ${response.status}, retrying`);
  } catch (error) {
    console.log(`POST /orders failed (${error.message}), retrying`);
  }
  if (!created) await sleep(2000);
}
const id = created?.id;
if (typeof id !== 'string' || id.length === 0) fail('201 response without an id', created);
console.log(`order ${id} created (correlation id ${idempotencyKey}); waiting for FULFILLED`);

let last;
while (Date.now() <= deadline) {
  try {
    const response = await request('GET', `/orders/${encodeURIComponent(id)}`);
    if (response.status === 200) {
      last = response.json;
      if (last?.status === 'FULFILLED') {
        console.log(`PASS order ${id} is FULFILLED`);
        process.exit(0);
      }
      if (TERMINAL_FAILURES.has(last?.status)) fail(`order ${id} ended ${last.status}`, last);
    } else if (response.status !== 404) {
      // 404 is tolerated briefly: a read model may lag the write.
      console.log(`GET /orders/${id} answered ${response.status}`);
    }
  } catch (error) {
    console.log(`GET /orders/${id} failed (${error.message})`);
  }
  await sleep(2000);
}
fail(`order ${id} not FULFILLED in time (last status: ${last?.status ?? 'unknown'})`, last);
