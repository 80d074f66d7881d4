// RFC 8707 resource indicators against oidc-provider: a login that names an API with `authorizationParams.resource`
// gets access tokens for that API, at the code exchange and at every refresh (the token requests name it again,
// §2.2; oidc-provider issues a token for its UserInfo only to a token request that names none).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { onLoginForm, signIn } from '../support/browser.mjs';
import { useWorld, waitReady } from '../support/world.mjs';

const API = 'https://api.example.test/';
const world = useWorld({ resource: API });

/** The stored access token's JWT claims, or `opaque` when it is not a JWT. */
const accessTokenClaims = (page) => page.evaluate(() => {
  const parts = window.spaAuth.client.getTokens().accessToken.split('.');
  return parts.length === 3 ? JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'))) : 'opaque';
});

test('a login for an API resource gets access tokens for it, also after a refresh', async (t) => {
  const { page } = await world.openApp(t);
  await page.evaluate((resource) => new window.spaAuth.AuthClient({
    ...window.spaAuth.options, scope: 'openid offline_access api:read', authorizationParams: { resource, prompt: 'consent' },
  }).loginWithRedirect(), API);
  await page.waitForURL((u) => u.origin === world.stack.provider.issuer);
  assert.ok(await onLoginForm(page));
  await signIn(page, world.stack.www.origin);
  await waitReady(page);
  await page.locator('#status[data-state="in"]').waitFor();

  const first = await accessTokenClaims(page);
  assert.notEqual(first, 'opaque', 'a JWT for the API, not a UserInfo token');
  assert.equal(first.aud, API);
  assert.match(first.scope, /\bapi:read\b/);
  assert.equal(world.stack.provider.counters.token.authorization_code, 1);

  await page.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  const refreshed = await accessTokenClaims(page);
  assert.notEqual(refreshed, 'opaque', 'still for the API after a refresh');
  assert.equal(refreshed.aud, API);
  assert.notEqual(refreshed.jti, first.jti, 'a new token');
  assert.equal(world.stack.provider.counters.token.refresh_token, 1);
});
