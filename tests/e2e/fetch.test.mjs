// client.fetch: on a 401 it refreshes once and retries once, replaying the request body.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useWorld } from '../support/world.mjs';

const world = useWorld();

/** Log in and start counting from zero. */
async function loggedIn(t) {
  const { page } = await world.openApp(t);
  await world.logIn(page);
  world.stack.provider.resetCounters();
  world.stack.api.resetRequests();
  return page;
}

test('a 401 is answered by one refresh and one retry (GET through the page button)', async (t) => {
  const { provider, api } = world.stack;
  const page = await loggedIn(t);
  const before = await world.storedTokens(page);

  api.failNext(1);
  await page.click('#call-api');
  await page.locator('#api-result[data-status]').waitFor();
  assert.equal(await page.locator('#api-result').getAttribute('data-status'), '200');
  assert.equal(provider.counters.token.refresh_token, 1);
  assert.deepEqual(api.requests.map((r) => r.method), ['GET', 'GET']);
  assert.equal(api.requests[0].authorization, `Bearer ${before.accessToken}`);
  const after = await world.storedTokens(page);
  assert.notEqual(after.accessToken, before.accessToken);
  assert.equal(api.requests[1].authorization, `Bearer ${after.accessToken}`);
});

test('the retried POST carries the same body', async (t) => {
  const { provider, api } = world.stack;
  const page = await loggedIn(t);
  const payload = { hello: 'world', n: 42, list: [1, 2, 3] };

  api.failNext(1);
  const answer = await page.evaluate(async ({ url, body }) => {
    const res = await window.spaAuth.client.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }, { url: world.stack.api.url + '/api/hello', body: payload });

  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json.received, payload);
  assert.equal(provider.counters.token.refresh_token, 1);
  assert.deepEqual(api.requests.map((r) => r.method), ['POST', 'POST']);
  assert.equal(api.requests[0].body, JSON.stringify(payload));
  assert.equal(api.requests[1].body, JSON.stringify(payload));
  assert.notEqual(api.requests[0].authorization, api.requests[1].authorization);
});

test('a Request object with a body is replayed too', async (t) => {
  const { api } = world.stack;
  const page = await loggedIn(t);

  api.failNext(1);
  const answer = await page.evaluate(async (url) => {
    const req = new Request(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"as":"request"}',
    });
    const res = await window.spaAuth.client.fetch(req);
    return { status: res.status, json: await res.json() };
  }, world.stack.api.url + '/api/hello');

  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json.received, { as: 'request' });
  assert.deepEqual(api.requests.map((r) => r.body), ['{"as":"request"}', '{"as":"request"}']);
});

test('a second 401 is handed to the caller: never a second retry', async (t) => {
  const { provider, api } = world.stack;
  const page = await loggedIn(t);

  api.failNext(2);
  const status = await page.evaluate(async (url) => (await window.spaAuth.client.fetch(url)).status,
    world.stack.api.url + '/api/hello');
  assert.equal(status, 401);
  assert.equal(api.requests.length, 2);
  assert.equal(provider.counters.token.refresh_token, 1);
});
