// The real provider's own ID tokens verify with its JWKS (verifySignature: true), at login and after a refresh.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep, useWorld, waitReady } from '../support/world.mjs';

const TTL = 4;
const world = useWorld({ accessTokenTtl: TTL });

test('verifySignature: oidc-provider\'s signed ID tokens verify at login and on refresh, one JWKS request', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await page.evaluate(() => sessionStorage.setItem('demo:verifySignature', '1'));
  await page.reload();
  await waitReady(page);
  provider.resetCounters();
  await world.logIn(page, { login: 'grace' });
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'grace');
  assert.equal(provider.counters.jwks, 1);

  await sleep((TTL + 0.5) * 1000);
  const token = await page.evaluate(() => window.spaAuth.client.getAccessToken());
  assert.equal(token, (await world.storedTokens(page)).accessToken);
  assert.equal(provider.counters.token.refresh_token, 1);
  assert.equal(provider.counters.jwks, 1, 'the cached JWK Set serves the refreshed ID token');
});
