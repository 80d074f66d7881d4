// A person logs in through the provider's real pages, sees their claims, calls the API,
// reloads, and opens a new tab.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newPage, sessionStorageOf } from '../support/browser.mjs';
import { addressOf, useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();

test('login with consent, claims on the page, API call accepted, clean address bar', async (t) => {
  const { provider, api } = world.stack;
  const { page } = await world.openApp(t);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');

  const authorizeRequests = [];
  page.on('request', (req) => {
    if (req.url().startsWith(`${provider.issuer}/auth?`)) authorizeRequests.push(new URL(req.url()));
  });
  await world.logIn(page, { login: 'alice' });

  // The authorize request: code flow, PKCE S256, state and nonce, the configured scope.
  assert.equal(authorizeRequests.length, 1);
  const q = authorizeRequests[0].searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.ok(q.get('state'));
  assert.ok(q.get('nonce'));
  assert.equal(q.get('client_id'), world.stack.clientId);
  assert.equal(q.get('scope'), 'openid profile email offline_access');

  // No code, state, iss or session_state left in the address bar.
  const address = new URL(await addressOf(page));
  for (const p of ['code', 'state', 'iss', 'session_state']) assert.ok(!address.searchParams.has(p), `${p} scrubbed`);
  assert.equal(address.hash, '');

  assert.equal(await page.locator('#status').textContent(), 'Logged in as Alice');
  const claims = JSON.parse(await page.locator('#claims').textContent());
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.name, 'Alice');
  assert.equal(claims.email, 'alice@example.test');
  assert.equal(claims.iss, provider.issuer);
  assert.deepEqual(JSON.parse(await page.locator('#app-state').textContent()), { via: 'query' });

  const tokens = await world.storedTokens(page);
  assert.ok(tokens?.accessToken, 'tokens stored in sessionStorage');
  assert.ok(tokens.refreshToken, 'refresh token stored');
  assert.ok(tokens.idToken, 'ID token stored');
  assert.equal(provider.counters.token.authorization_code, 1);

  // Nothing of the session outside sessionStorage.
  const elsewhere = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, cookie: document.cookie }));
  assert.ok(!elsewhere.includes(tokens.accessToken) && !elsewhere.includes(tokens.refreshToken));

  api.resetRequests();
  await page.click('#call-api');
  await page.locator('#api-result[data-status]').waitFor();
  assert.equal(await page.locator('#api-result').getAttribute('data-status'), '200');
  assert.match(await page.locator('#api-result').textContent(), /"sub": "alice"/);
  assert.equal(api.requests.length, 1);
  assert.equal(api.requests[0].authorization, `Bearer ${tokens.accessToken}`);
});

test('reload keeps the session without a token request; an isolated new tab or another browser does not have it', async (t) => {
  const { provider } = world.stack;
  const { context, page } = await world.openApp(t);
  await world.logIn(page, { login: 'bob' });
  const before = await world.storedTokens(page);

  provider.resetCounters();
  await page.reload();
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'in');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'bob');
  assert.deepEqual(await world.storedTokens(page), before);
  assert.deepEqual(provider.counters.token, { authorization_code: 0, refresh_token: 0, other: 0 });
  assert.equal(await page.evaluate(() => window.spaAuth.client.getAccessToken()), before.accessToken);

  // sessionStorage is per tab: a new tab with `tabs: "isolated"` starts logged out (the default shares the
  // session: tests/e2e/tabs.test.mjs).
  const tab = await newPage(context);
  await tab.goto(`${world.stack.www.origin}/?tabs=isolated`);
  await waitReady(tab);
  assert.equal(await tab.locator('#status').getAttribute('data-state'), 'out');
  assert.equal(await tab.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
  assert.ok(!Object.keys(await sessionStorageOf(tab)).some((k) => k.startsWith('spa-auth:')));
  const err = await tab.evaluate(() => window.spaAuth.client.getAccessToken().then(
    () => null,
    (e) => ({ code: e.code, isAuthError: e instanceof window.spaAuth.AuthError }),
  ));
  assert.deepEqual(err, { code: 'login_required', isAuthError: true });

  // And so does another browser profile.
  const other = await world.openApp(t);
  assert.equal(await other.page.locator('#status').getAttribute('data-state'), 'out');
});
