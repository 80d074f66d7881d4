// The Rust SPA (examples/rust-spa) with `"dpop": true` and `"verifySignature": true` in its config.json: the Rust
// API's AuthClient verifies the provider's signed ID token with its JWKS, logs in with DPoP-bound tokens, calls the
// DPoP-checking API route with proofs (tests/support/api.mjs /api/dpop), revokes with a proof and removes its key at
// logout; the same WebCrypto module as the npm package (src/browser/webcrypto.js).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { logInThroughExample, useExample, EXAMPLES_DIR } from '../support/adoption.mjs';
import { dpopKeysOf, newContext, newPage } from '../support/browser.mjs';
import { waitReady } from '../support/world.mjs';

const world = useExample({
  wwwDir: path.join(EXAMPLES_DIR, 'rust-spa'), setup: 'examples/rust-spa/build.sh', stack: { dpop: true, verifySignature: true },
});

test('rust-spa with dpop and verifySignature: a verified ID token, DPoP-bound tokens, proofs, the key removed at logout', async (t) => {
  const { provider, api, www } = world.stack;
  const context = await newContext(world.browser);
  t.after(() => context.close());
  const page = await newPage(context);
  await page.goto(`${www.origin}/`);
  await waitReady(page);
  provider.resetCounters();
  await logInThroughExample(page, world.stack, 'frank');
  assert.deepEqual(provider.tokenLog.map((e) => [e.grantType, e.status, e.dpop, e.tokenType]), [['authorization_code', 200, true, 'DPoP']]);
  assert.equal(provider.counters.jwks, 1, 'the ID token was verified with the provider\'s JWK Set');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'frank');
  const stored = JSON.parse(await page.evaluate(() => sessionStorage.getItem('spa-auth:spa-demo:tokens')));
  assert.equal(stored.tokenType, 'DPoP');
  assert.equal((await dpopKeysOf(page)).length, 1);

  api.resetRequests();
  await page.click('#call-api');
  await page.locator('#api-result[data-status]').waitFor();
  assert.equal(await page.locator('#api-result').getAttribute('data-status'), '200', await page.locator('#api-result').textContent());
  assert.match(await page.locator('#api-result').textContent(), /"sub":"frank"/);
  assert.equal(api.requests[0].authorization, `DPoP ${stored.accessToken}`);
  assert.ok(api.requests[0].dpop?.ath, 'the proof carries the token hash');

  await page.click('#logout');
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  assert.deepEqual(provider.revocationLog, [{ status: 200, dpop: true }], 'the revocation carried a proof');
  assert.deepEqual(await dpopKeysOf(page), [], 'the key is gone');
});
