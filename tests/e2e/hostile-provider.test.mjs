// Against the real provider (oidc-provider): a refresh token revoked at the server, and a watcher that follows a
// whole login, API call, refresh and logout and proves the tokens never leak into localStorage, cookies, the
// console, the address bar or any URL.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newContext, newPage, sessionStorageOf } from '../support/browser.mjs';
import { addressOf, useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();

test('a refresh token revoked at the provider: getAccessToken rejects login_required (invalid_grant), stale tokens removed', async (t) => {
  const { provider, clientId, tokensKey } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'rita' });
  const tokens = await world.storedTokens(page);
  assert.ok(tokens.refreshToken);

  // The user's session is revoked at the server (an admin, another device's logout, …).
  const revoked = await fetch(`${provider.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tokens.refreshToken, token_type_hint: 'refresh_token', client_id: clientId }),
  });
  assert.equal(revoked.status, 200);
  provider.resetCounters();

  const outcome = await page.evaluate(async () => {
    const { client, AuthError } = window.spaAuth;
    try {
      return { ok: true, value: await client.getAccessToken({ forceRefresh: true }) };
    } catch (err) {
      return {
        ok: false, isAuthError: err instanceof AuthError, code: err.code, error: err.error, message: err.message,
      };
    }
  });
  assert.equal(outcome.ok, false, 'the refresh must fail');
  assert.equal(outcome.isAuthError, true);
  assert.equal(outcome.code, 'login_required');
  assert.equal(outcome.error, 'invalid_grant', 'the server\'s own error is kept');
  assert.match(outcome.message, /log in again/);
  assert.deepEqual(provider.tokenLog.map((e) => [e.grantType, e.status, e.error]), [['refresh_token', 400, 'invalid_grant']]);

  assert.ok(!(tokensKey in await sessionStorageOf(page)), 'the stale tokens are removed');
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
  assert.equal(await page.evaluate(() => window.spaAuth.client.getTokens()), undefined);
  // And the next call says the same without another request.
  const again = await page.evaluate(() => window.spaAuth.client.getAccessToken().catch((e) => e.code));
  assert.equal(again, 'login_required');
  assert.equal(provider.tokenLog.length, 1);
});

test('watcher: through login, API call, refresh and logout no token reaches localStorage, cookies, the console or a URL', async (t) => {
  const { provider, api, www } = world.stack;
  const context = await newContext(world.browser);
  t.after(() => context.close());

  /** Everything the browser did: requests (with body and headers), navigations, console messages, snapshots. */
  const seen = { requests: [], navigations: [], console: [], snapshots: [] };
  context.on('request', (req) => {
    seen.requests.push({
      url: req.url(), method: req.method(), body: req.postData() ?? '', headers: req.headers(),
    });
  });
  const page = await newPage(context);
  page.on('framenavigated', (frame) => seen.navigations.push(frame.url()));
  page.on('console', (msg) => seen.console.push(msg.text()));
  const snapshot = async (step) => {
    seen.snapshots.push({
      step,
      address: await addressOf(page),
      ...(await page.evaluate(() => ({
        origin: window.location.origin,
        localStorage: JSON.stringify(Object.entries(localStorage)),
        cookie: document.cookie,
      }))),
    });
  };

  await page.goto(`${www.origin}/`);
  await waitReady(page);
  await world.logIn(page, { login: 'walter' });
  await snapshot('after login');
  const first = await world.storedTokens(page);

  await page.click('#call-api');
  await page.locator('#api-result[data-status]').waitFor();
  assert.equal(await page.locator('#api-result').getAttribute('data-status'), '200');
  await snapshot('after the API call');

  await page.click('#refresh');
  await page.locator('#refresh-result[data-count="1"]').waitFor();
  await snapshot('after refresh');
  const second = await world.storedTokens(page);
  assert.notEqual(second.accessToken, first.accessToken);

  await page.click('#logout');
  await page.waitForURL((u) => u.origin === provider.issuer);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  await snapshot('after logout');
  const state = await context.storageState(); // every origin's localStorage and every cookie, at the end

  const secrets = [
    ['access token', first.accessToken], ['access token (refreshed)', second.accessToken],
    ['refresh token', first.refreshToken], ['refresh token (rotated)', second.refreshToken],
    ['ID token', first.idToken], ['ID token (refreshed)', second.idToken],
  ].filter(([, value], i, all) => value && all.findIndex(([, v]) => v === value) === i);
  const idTokens = new Set([first.idToken, second.idToken]);
  const tokenEndpoints = new Set([`${provider.issuer}/token`, `${provider.issuer}/token/revocation`]);
  const leaks = [];
  const allowed = { body: 0, authorization: 0, idTokenHint: 0, refererAtProvider: 0 };

  /**
   * The documented exception: RP-initiated logout sends the ID token as `id_token_hint` in the end-session URL
   * (OpenID Connect RP-Initiated Logout 1.0), so that URL, the navigation to it and the provider's own pages that
   * name it as Referer (same origin: the provider) may carry the ID token, and nothing else may.
   */
  const isHintUrl = (href, secret) => {
    const url = URL.parse(href);
    return Boolean(url) && idTokens.has(secret) && url.origin === provider.issuer && url.pathname === '/session/end'
      && url.searchParams.get('id_token_hint') === secret && !href.replace(secret, '').includes(secret);
  };

  for (const [what, secret] of secrets) {
    for (const req of seen.requests) {
      const url = new URL(req.url);
      if (req.url.includes(secret)) {
        if (isHintUrl(req.url, secret)) allowed.idTokenHint += 1;
        else leaks.push(`${what} in the URL of ${req.method} ${req.url}`);
      }
      if (req.body.includes(secret)) {
        if (req.method === 'POST' && tokenEndpoints.has(`${url.origin}${url.pathname}`)) allowed.body += 1;
        else leaks.push(`${what} in the body of ${req.method} ${req.url}`);
      }
      for (const [name, value] of Object.entries(req.headers)) {
        if (!value.includes(secret)) continue;
        if (name === 'authorization' && value === `Bearer ${secret}` && req.url.startsWith(`${api.url}/`)) {
          allowed.authorization += 1;
        } else if (name === 'referer' && isHintUrl(value, secret) && url.origin === provider.issuer) {
          allowed.refererAtProvider += 1;
        } else {
          leaks.push(`${what} in header ${name} of ${req.method} ${req.url}`);
        }
      }
    }
    for (const url of seen.navigations) {
      if (url.includes(secret) && !isHintUrl(url, secret)) leaks.push(`${what} in a navigation to ${url}`);
    }
    for (const text of seen.console) if (text.includes(secret)) leaks.push(`${what} in the console: ${text}`);
    for (const s of seen.snapshots) {
      if (s.address.includes(secret)) leaks.push(`${what} in the address bar ${s.step}`);
      if (s.localStorage.includes(secret)) leaks.push(`${what} in localStorage of ${s.origin} ${s.step}`);
      if (s.cookie.includes(secret)) leaks.push(`${what} in document.cookie of ${s.origin} ${s.step}`);
    }
    if (JSON.stringify(state).includes(secret)) leaks.push(`${what} in the context's cookies or localStorage at the end`);
  }
  assert.deepEqual(leaks, [], 'no token leaks');

  // The watcher did watch: tokens went where they must, and only there.
  assert.ok(seen.snapshots.every((s) => s.origin === www.origin), 'snapshots of the app origin');
  assert.equal(allowed.body, 2, 'refresh tokens in two POST bodies: the refresh grant and the revocation');
  assert.ok(allowed.authorization >= 1, 'the access token in the Authorization header to the API');
  assert.equal(allowed.idTokenHint, 1, 'id_token_hint in the end-session URL, once');
  assert.ok(seen.navigations.some((u) => new URL(u).searchParams.has('code')), 'the callback navigation was recorded');
  assert.ok(seen.requests.some((r) => r.url.startsWith(`${provider.issuer}/token`) && r.body.includes('grant_type=authorization_code')));
});
