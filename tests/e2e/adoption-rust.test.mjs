// A Rust SPA (examples/rust-spa): a wasm binary on spa-auth's Rust API with no JavaScript of its own beyond
// wasm-bindgen's glue. Built with wasm-pack, served with the stack's /config.json, it logs in against the local
// OpenID provider, shows the claims, calls the protected API with the access token and logs out.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import {
  callApiAndLogOut, formatTimings, logInThroughExample, useExample, EXAMPLES_DIR,
} from '../support/adoption.mjs';
import { newContext, newPage } from '../support/browser.mjs';
import { CLIENT_ID } from '../support/stack.mjs';
import { waitReady } from '../support/world.mjs';

const world = useExample({ wwwDir: path.join(EXAMPLES_DIR, 'rust-spa'), setup: 'examples/rust-spa/build.sh' });

test('rust-spa: the Rust API logs in, shows the claims, calls the API and logs out', async (t) => {
  t.diagnostic(`set-up: ${formatTimings(world.timings)}`);
  const { provider, www } = world.stack;
  const context = await newContext(world.browser);
  t.after(() => context.close());
  const page = await newPage(context);
  const scripts = [];
  page.on('response', (res) => {
    if (res.request().resourceType() === 'script') scripts.push(new URL(res.url()).pathname);
  });

  await page.goto(`${www.origin}/`);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  assert.ok(scripts.includes('/dist/rust_spa.js'), 'the wasm-bindgen glue is loaded');
  assert.deepEqual(scripts.filter((s) => !s.startsWith('/dist/')), [], 'no script but wasm-bindgen output (glue, snippets)');

  await logInThroughExample(page, world.stack, 'erin');

  const claims = JSON.parse(await page.locator('#claims').textContent());
  assert.equal(claims.sub, 'erin');
  assert.equal(claims.iss, provider.issuer);
  assert.equal(claims.aud, CLIENT_ID);
  assert.equal(await page.evaluate(() => window.location.href), `${www.origin}/`, 'address bar cleaned');

  await callApiAndLogOut(page, world.stack, 'erin');
});
