// Signed UserInfo (OIDC Core 5.3.2, oidc-provider's `jwtUserinfo`): with `verifySignature: true` its signature is
// checked with the provider's JWK Set (5.3.4) before `getUserInfo()` resolves to its claims.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useWorld, waitReady } from '../support/world.mjs';

const world = useWorld({ signedUserInfo: true });

test('verifySignature: a signed UserInfo verifies with the provider\'s key set and gives its claims', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await page.evaluate(() => sessionStorage.setItem('demo:verifySignature', '1'));
  await page.reload();
  await waitReady(page);
  await world.logIn(page, { login: 'grace' });
  provider.resetCounters();
  const claims = await page.evaluate(() => window.spaAuth.client.getUserInfo());
  assert.equal(claims.sub, 'grace');
  assert.equal(claims.aud, world.stack.clientId, 'the JWT\'s own claims: it came signed');
  assert.equal(provider.counters.userinfo, 1);
  assert.equal(provider.counters.jwks, 0, 'the key set cached at login verifies it');
});
