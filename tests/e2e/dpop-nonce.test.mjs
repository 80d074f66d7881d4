// DPoP nonces at the authorization server (RFC 9449 §8): oidc-provider with `requireNonce` answers a proof without
// its nonce 400 `use_dpop_nonce` and a `DPoP-Nonce` header. The code exchange and the refresh each succeed with
// exactly one retry the first time, and the kept nonce is sent at once after that.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useWorld, waitReady } from '../support/world.mjs';

const world = useWorld({ dpopNonce: true });

test('dpop: the provider\'s nonce challenge is answered once per request, and the nonce is kept', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await page.evaluate(() => localStorage.setItem('demo:dpop', '1'));
  await page.reload();
  await waitReady(page);
  provider.resetCounters();
  await world.logIn(page);
  const row = (e) => [e.grantType, e.status, e.error ?? null];
  assert.deepEqual(provider.tokenLog.map(row), [
    ['authorization_code', 400, 'use_dpop_nonce'],
    ['authorization_code', 200, null],
  ]);
  assert.equal((await world.storedTokens(page)).tokenType, 'DPoP');

  // The nonce is kept: a refresh needs no challenge now (oidc-provider's nonces stay valid for a while).
  provider.resetCounters();
  await page.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  assert.deepEqual(provider.tokenLog.map(row), [['refresh_token', 200, null]]);
  const api = await page.evaluate(async (url) => (await window.spaAuth.client.fetch(url)).status, `${world.stack.api.url}/api/dpop`);
  assert.equal(api, 200);
});
