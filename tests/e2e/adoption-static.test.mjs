// A static site with no build step (examples/static-site): one index.html that imports the web build
// from ./spa-auth/ (taken out of the packed npm tarball by setup.sh) with <script type="module">,
// logs in against the local OpenID provider, calls the protected API and logs out.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import {
  callApiAndLogOut, formatTimings, logInThroughExample, useExample, EXAMPLES_DIR,
} from '../support/adoption.mjs';
import { newContext, newPage } from '../support/browser.mjs';
import { CLIENT_ID } from '../support/stack.mjs';
import { waitReady } from '../support/world.mjs';

// The stack serves /config.json (issuer, clientId, scope, apiUrl) in place of the example's own.
const world = useExample({ wwwDir: path.join(EXAMPLES_DIR, 'static-site'), setup: 'examples/static-site/setup.sh' });

test('static-site: <script type="module"> + init(), login, claims, API call, logout', async (t) => {
  t.diagnostic(`set-up: ${formatTimings(world.timings)}`);
  const { provider, www } = world.stack;
  const context = await newContext(world.browser);
  t.after(() => context.close());
  const page = await newPage(context);

  const fetched = [];
  page.on('response', (res) => fetched.push({ url: res.url(), type: res.headers()['content-type'] }));
  // The page preloads the .wasm: the browser warns when a preload goes unused or does not match init()'s fetch.
  const preloadWarnings = [];
  page.on('console', (msg) => { if (/preload/i.test(msg.text())) preloadWarnings.push(msg.text()); });

  const started = performance.now();
  await page.goto(`${www.origin}/`);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  const wasm = fetched.filter((r) => r.url.endsWith('.wasm'));
  assert.deepEqual(wasm.map((r) => new URL(r.url).pathname), ['/spa-auth/spa_auth_bg.wasm']);
  assert.equal(wasm[0].type, 'application/wasm');
  assert.deepEqual(preloadWarnings, []);

  await logInThroughExample(page, world.stack, 'dave');
  t.diagnostic(`first login (page load, provider login + consent, callback): ${((performance.now() - started) / 1000).toFixed(2)} s`);

  assert.equal(await page.locator('#status').textContent(), 'Logged in as Dave');
  const claims = JSON.parse(await page.locator('#claims').textContent());
  assert.equal(claims.sub, 'dave');
  assert.equal(claims.email, 'dave@example.test');
  assert.equal(claims.iss, provider.issuer);
  assert.equal(claims.aud, CLIENT_ID);
  assert.equal(await page.locator('#error').isHidden(), true);
  const address = new URL(await page.evaluate(() => window.location.href));
  assert.equal(address.href, `${www.origin}/`, 'address bar cleaned');

  await callApiAndLogOut(page, world.stack, 'dave');
  assert.equal(provider.counters.endSessionConfirm, 1);
});
