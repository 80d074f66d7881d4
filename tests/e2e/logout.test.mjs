// Logout: tokens gone from the tab, refresh token revoked, provider session ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { onLoginForm, sessionStorageOf, signIn } from '../support/browser.mjs';
import { useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();

test('endpoints of the options win over the discovery a client of other options cached in this tab', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page); // discovers with the app's options: the tab caches what the provider published
  // A token endpoint given alone (a proxy) beside discovery, then an end-session endpoint of its own.
  const proxied = [];
  await page.route(`${www.origin}/token-proxy`, async (route) => {
    proxied.push(route.request().url());
    return route.fulfill({ response: await route.fetch({ url: `${provider.issuer}/token` }) });
  });
  provider.resetCounters();
  const refreshed = await page.evaluate(async (origin) => {
    const { AuthClient, options } = window.spaAuth;
    const client = new AuthClient({ ...options, tokenEndpoint: `${origin}/token-proxy` });
    return client.getAccessToken({ forceRefresh: true });
  }, www.origin);
  assert.equal((await world.storedTokens(page)).accessToken, refreshed);
  assert.equal(proxied.length, 1, 'the refresh went to the configured token endpoint');
  assert.equal(provider.counters.token.refresh_token, 1);
  const leaving = page.waitForRequest((req) => req.url().startsWith(`${www.origin}/custom-logout?`));
  await page.evaluate(async (origin) => {
    const { AuthClient, options } = window.spaAuth;
    await new AuthClient({ ...options, endSessionEndpoint: `${origin}/custom-logout` }).logout();
  }, www.origin);
  assert.ok(new URL((await leaving).url()).searchParams.get('id_token_hint'), 'the configured end-session endpoint');
});

test('logout clears the tokens and the provider session', async (t) => {
  const { provider, www, clientId } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'grace' });
  const tokens = await world.storedTokens(page);
  provider.resetCounters();

  const endSession = [];
  page.on('request', (req) => {
    if (req.url().startsWith(`${provider.issuer}/session/end?`)) endSession.push(new URL(req.url()));
  });
  await page.click('#logout');
  await page.waitForURL((u) => u.origin === provider.issuer);
  assert.equal(provider.counters.revocation, 1, 'the refresh token is revoked before leaving');

  assert.equal(endSession.length, 1);
  const q = endSession[0].searchParams;
  assert.equal(q.get('id_token_hint'), tokens.idToken);
  assert.equal(q.get('client_id'), clientId);
  assert.equal(q.get('post_logout_redirect_uri'), `${www.origin}/`);

  // oidc-provider asks for confirmation, then returns to the post-logout URI.
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  assert.equal(provider.counters.endSessionConfirm, 1);

  const storage = await sessionStorageOf(page);
  assert.ok(!(world.stack.tokensKey in storage), 'no token set stored');
  const everything = JSON.stringify(storage);
  for (const value of [tokens.accessToken, tokens.refreshToken, tokens.idToken]) {
    assert.ok(!everything.includes(value), 'no token left in sessionStorage');
  }
  assert.equal((await world.refreshDirect(tokens.refreshToken)).body.error, 'invalid_grant');

  // The provider forgot the user: logging in again shows the login form.
  await page.click('#login');
  await page.waitForURL((u) => u.origin === provider.issuer);
  assert.ok(await onLoginForm(page), 'login form, not an automatic login');
  await signIn(page, www.origin, { login: 'heidi' });
  await waitReady(page);
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'heidi');
});

test('localOnly logout keeps the provider session', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'ivan' });

  await page.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  assert.equal(page.url().startsWith(www.origin), true, 'no redirect');
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
  assert.ok(!(world.stack.tokensKey in await sessionStorageOf(page)));

  // Still signed in at the provider: no login form this time.
  await page.reload();
  await waitReady(page);
  await page.click('#login');
  await page.waitForURL((u) => u.origin === www.origin || u.origin === provider.issuer);
  if (new URL(page.url()).origin === provider.issuer) {
    assert.ok(!(await onLoginForm(page)), 'no login form while the provider session lasts');
  }
});

test('logoutStyle "cognito": the discovered end-session endpoint with client_id and logout_uri, the tokens gone', async (t) => {
  const { provider, www, clientId } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'judy' });

  const endSession = [];
  page.on('request', (req) => {
    if (req.url().startsWith(`${provider.issuer}/session/end?`)) endSession.push(new URL(req.url()));
  });
  await page.evaluate((returnTo) => {
    const { AuthClient, options } = window.spaAuth;
    new AuthClient({ ...options, logoutStyle: 'cognito' }).logout({ returnTo });
  }, `${www.origin}/bye`);
  await page.waitForURL((u) => u.origin === provider.issuer);
  assert.equal(endSession.length, 1);
  const q = endSession[0].searchParams;
  assert.deepEqual([...q.keys()], ['client_id', 'logout_uri'], 'Cognito\'s parameters only: no id_token_hint, no post_logout_redirect_uri');
  assert.equal(q.get('client_id'), clientId);
  assert.equal(q.get('logout_uri'), `${www.origin}/bye`);
  await page.goBack();
  await waitReady(page);
  assert.ok(!(world.stack.tokensKey in await sessionStorageOf(page)), 'no token set stored');
});

test('logoutParams reach the end-session URL, idTokenHint: false leaves the hint out, a reserved name is refused first', async (t) => {
  const { provider, www, clientId } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'kate' });

  // Refused before anything happens: the session stays.
  const refused = await page.evaluate(() => window.spaAuth.client.logout({ logoutParams: { client_id: 'other' } })
    .then(() => 'resolved', (e) => ({ code: e.code, message: e.message })));
  assert.equal(refused.code, 'invalid_argument');
  assert.match(refused.message, /client_id/);
  const notText = await page.evaluate(() => window.spaAuth.client.logout({ logoutParams: { ui_locales: 3 } })
    .then(() => 'resolved', (e) => ({ code: e.code, message: e.message })));
  assert.equal(notText.code, 'invalid_argument');
  assert.match(notText.message, /logoutParams\.ui_locales/);
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), true, 'still logged in');

  const endSession = [];
  page.on('request', (req) => {
    if (req.url().startsWith(`${provider.issuer}/session/end?`)) endSession.push(new URL(req.url()));
  });
  await page.evaluate(() => { window.spaAuth.client.logout({ returnTo: `${location.origin}/`, logoutParams: { ui_locales: 'nl', state: 's 1' }, idTokenHint: false });
  });
  await page.waitForURL((u) => u.origin === provider.issuer);
  assert.equal(endSession.length, 1);
  const q = endSession[0].searchParams;
  assert.deepEqual([...q.keys()], ['client_id', 'post_logout_redirect_uri', 'ui_locales', 'state']);
  assert.equal(q.get('client_id'), clientId);
  assert.equal(q.get('post_logout_redirect_uri'), `${www.origin}/`);
  assert.equal(q.get('state'), 's 1');
  // oidc-provider, without the hint, still asks and returns to the registered post-logout URI.
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
});

test('a returnTo relative to the page is made absolute against it; one that is no http(s) URL is refused first', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'kate' });

  for (const returnTo of ['javascript:alert(1)', 'mailto:kate@example.com', 'https://']) {
    const refused = await page.evaluate((r) => window.spaAuth.client.logout({ returnTo: r })
      .then(() => 'resolved', (e) => ({ code: e.code, message: e.message })), returnTo);
    assert.equal(refused.code, 'invalid_argument', returnTo);
    assert.match(refused.message, /returnTo.*absolute http\(s\) URL/, returnTo);
  }
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), true, 'still logged in');

  const endSession = [];
  page.on('request', (req) => {
    if (req.url().startsWith(`${provider.issuer}/session/end?`)) endSession.push(new URL(req.url()));
  });
  await page.evaluate(() => { window.spaAuth.client.logout({ returnTo: '/' }); });
  await page.waitForURL((u) => u.origin === provider.issuer);
  assert.equal(endSession.length, 1);
  assert.equal(endSession[0].searchParams.get('post_logout_redirect_uri'), `${www.origin}/`, 'not "/"');
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
});
