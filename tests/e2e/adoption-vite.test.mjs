// A new user's Vite app (examples/vite-app): the packed npm tarball installed with npm, built with
// `vite build` (bundler build + vite-plugin-wasm), served as static files, and a real login against
// the local OpenID provider in headless Chromium.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { formatTimings, logInThroughExample, useExample, EXAMPLES_DIR } from '../support/adoption.mjs';
import { newContext, newPage } from '../support/browser.mjs';
import { CLIENT_ID, SCOPE } from '../support/stack.mjs';
import { waitReady } from '../support/world.mjs';

// The static server reads files per request, so dist/ is built after it starts: the build needs the
// provider's address (Vite env variables are read at build time).
const world = useExample({
  wwwDir: path.join(EXAMPLES_DIR, 'vite-app', 'dist'),
  setup: 'examples/vite-app/build.sh',
  env: (stack) => ({ VITE_OIDC_ISSUER: stack.provider.issuer, VITE_OIDC_CLIENT_ID: CLIENT_ID, VITE_OIDC_SCOPE: SCOPE }),
});

test('vite-app: npm install of the tarball + vite build, then a first login shows the claims', async (t) => {
  t.diagnostic(`set-up: ${formatTimings(world.timings)}`);
  const { provider, www } = world.stack;
  const context = await newContext(world.browser);
  t.after(() => context.close());
  const page = await newPage(context);

  const fetched = [];
  page.on('response', (res) => fetched.push({ url: res.url(), type: res.headers()['content-type'] }));

  const started = performance.now();
  await page.goto(`${www.origin}/`);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');

  // The bundle is self-contained: one hashed .wasm asset from dist/assets, nothing from /pkg/.
  const wasm = fetched.filter((r) => r.url.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `one .wasm request: ${JSON.stringify(wasm)}`);
  assert.match(new URL(wasm[0].url).pathname, /^\/assets\/spa_auth_bg-[\w-]+\.wasm$/);
  assert.equal(wasm[0].type, 'application/wasm');
  assert.ok(!fetched.some((r) => new URL(r.url).pathname.startsWith('/pkg/')), 'nothing loaded from /pkg/');

  await logInThroughExample(page, world.stack, 'carol');
  const firstLogin = (performance.now() - started) / 1000;
  t.diagnostic(`first login (page load, provider login + consent, callback): ${firstLogin.toFixed(2)} s`);

  assert.equal(await page.locator('#status').textContent(), 'Logged in as Carol');
  const claims = JSON.parse(await page.locator('#claims').textContent());
  assert.equal(claims.sub, 'carol');
  assert.equal(claims.email, 'carol@example.test');
  assert.equal(claims.iss, provider.issuer);
  assert.equal(claims.aud, CLIENT_ID);
  assert.equal(await page.locator('#error').isHidden(), true);

  const address = new URL(await page.evaluate(() => window.location.href));
  for (const p of ['code', 'state', 'iss']) assert.ok(!address.searchParams.has(p), `${p} scrubbed`);
  assert.equal(provider.counters.token.authorization_code, 1);
});
