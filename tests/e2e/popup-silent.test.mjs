// Log in without losing the page (issue 13): a silent check with prompt=none, popup login (also against a provider
// that sends Cross-Origin-Opener-Policy), and UserInfo, against the real provider.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newPage, onLoginForm, signIn } from '../support/browser.mjs';
import { addressOf, useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();
const coopWorld = useWorld({ coop: true });
const coopLaterWorld = useWorld({ coop: 'consent' });

/** Click "Log in with a popup" and sign in there; resolves to the popup once the opener shows the login. */
async function popupLogin(w, page, { login = 'alice' } = {}) {
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === w.stack.provider.issuer);
  assert.ok(await onLoginForm(popup), 'the provider\'s login form in the popup');
  await signIn(popup, w.stack.www.origin, { login }).catch(() => {}); // the popup closes itself on the way back
  await page.locator('#status[data-state="in"]').waitFor();
  return popup;
}

test('popup login: the page stays, the opener redeems the code, appState comes back', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await page.evaluate(() => { window.keptHere = 'half-filled form'; });
  provider.resetCounters();
  const popup = await popupLogin(world, page, { login: 'carol' });
  await popup.waitForEvent('close', { timeout: 5000 }).catch(() => {});
  assert.equal(popup.isClosed(), true, 'the popup closed itself');
  assert.equal(await page.evaluate(() => window.keptHere), 'half-filled form', 'the page was never left');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'carol');
  assert.deepEqual(JSON.parse(await page.locator('#app-state').textContent()), { via: 'popup' });
  assert.equal(provider.counters.token.authorization_code, 1, 'one code exchange, in the opener');
});

test('"log in with a popup" clicked again while its popup is open: one popup, one login, no error', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  provider.resetCounters();
  const popups = [];
  page.context().on('page', (p) => popups.push(p));
  await page.evaluate(() => {
    const { client } = window.spaAuth;
    const login = client.loginWithPopup.bind(client);
    window.outcomes = [];
    client.loginWithPopup = (options) => {
      const result = login(options);
      result.then(() => window.outcomes.push('logged in'), (e) => window.outcomes.push(e.code));
      return result;
    };
  });
  await page.click('#login-popup');
  await page.click('#login-popup'); // a double click, or the popup gone behind the page
  await page.waitForFunction(() => window.outcomes !== undefined);
  await page.waitForTimeout(300);
  assert.equal(popups.length, 1, 'the second click brought the open popup to the front');
  const [popup] = popups;
  await popup.waitForURL((u) => u.origin === provider.issuer);
  await signIn(popup, world.stack.www.origin, { login: 'erin' }).catch(() => {}); // the popup closes itself
  await page.locator('#status[data-state="in"]').waitFor();
  await page.waitForTimeout(300);
  await page.waitForFunction(() => window.outcomes.length === 2, null, { timeout: 5000 }).catch(() => {});
  assert.deepEqual(await page.evaluate(() => window.outcomes), ['logged in', 'logged in'], 'both clicks end logged in');
  assert.equal(await page.locator('#error').getAttribute('data-code'), null, 'neither click reports an error');
  assert.deepEqual(JSON.parse(await page.locator('#app-state').textContent()), { via: 'popup' });
  assert.equal(provider.counters.token.authorization_code, 1, 'one code exchange');
});

test('a crafted link with a popup state, in a tab that started no login: missing_transaction, nothing redeemed', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  provider.resetCounters();
  const started = Date.now();
  await page.goto(`${www.origin}/?code=attacker-code&state=popup.forged`);
  await waitReady(page);
  await page.locator('#error[data-code]').waitFor({ timeout: 9000 });
  assert.equal(await page.locator('#error').getAttribute('data-code'), 'missing_transaction');
  assert.ok(Date.now() - started < 9000, 'it waited for an opener no longer than its 5 s');
  assert.equal(page.isClosed(), false, 'the tab was not closed');
  assert.equal(await page.evaluate(() => window.location.search), '', 'the address bar is scrubbed');
  assert.equal(provider.counters.token.authorization_code, 0, 'nothing was redeemed');
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
});

test('popup login works when the provider sends Cross-Origin-Opener-Policy: same-origin (no window.opener)', async (t) => {
  const { page } = await coopWorld.openApp(t);
  let coopSeen = false;
  page.context().on('response', (r) => {
    if (r.headers()['cross-origin-opener-policy'] === 'same-origin') coopSeen = true;
  });
  await popupLogin(coopWorld, page, { login: 'dave' });
  assert.ok(coopSeen, 'the provider did send COOP');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'dave');
});

test('popup closed by the user: popup_closed; a blocked popup: popup_blocked; nothing stored', async (t) => {
  const { page } = await world.openApp(t);
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === world.stack.provider.issuer);
  await page.waitForTimeout(3200); // past the first seconds, when a COOP provider could cut the popup off
  await popup.close();
  await page.locator('#error[data-code="popup_closed"]').waitFor();
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');

  // window.open without a user gesture returns null in this browser: popup_blocked.
  const blocked = await page.evaluate(() => {
    window.open = () => null;
    return window.spaAuth.client.loginWithPopup().then(() => 'resolved', (e) => e.code);
  });
  assert.equal(blocked, 'popup_blocked');
});

test('a popup closed as soon as the provider page shows is popup_closed at once, not a timeout', async (t) => {
  const { page } = await world.openApp(t);
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === world.stack.provider.issuer);
  await popup.locator('input[name="login"]').waitFor(); // the provider's page is there: not cut off by COOP
  await page.waitForTimeout(300);
  const closedAt = Date.now();
  await popup.close();
  await page.locator('#error[data-code="popup_closed"]').waitFor({ timeout: 5000 });
  const took = Date.now() - closedAt;
  assert.ok(took < 1500, `popup_closed ${took} ms after the close (polled every 100 ms), not at a timeout`);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
});

test('a popup cut off by COOP on a later page reads as closed (popup_closed), yet its login still completes: onChange says so', async (t) => {
  const { provider } = coopLaterWorld.stack;
  const { page } = await coopLaterWorld.openApp(t);
  // The login form has no COOP (the opener sees the popup on the provider's page); the consent page after it has
  // (as a federated provider's page would): the opener then reads the popup as closed.
  await page.evaluate(() => {
    window.heard = [];
    window.spaAuth.client.onChange((tokens) => window.heard.push(tokens?.accessToken ?? null));
  });
  const [popup] = await Promise.all([page.context().waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === provider.issuer);
  await popup.locator('input[name="login"]').fill('grace');
  await popup.locator('input[name="password"]').fill('secret');
  await popup.getByRole('button', { name: 'Sign-in' }).click();
  await page.locator('#error[data-code="popup_closed"]').waitFor({ timeout: 10000 });
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
  await popup.getByRole('button', { name: 'Continue' }).click();
  await page.waitForFunction(() => window.heard.some((t) => typeof t === 'string'), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), true, 'the late answer logged in');
  assert.equal((await page.evaluate(() => window.spaAuth.client.getUser())).sub, 'grace');
  assert.equal(provider.counters.token.authorization_code, 1, 'redeemed once, by the opener');
});

test('popup login where the popup\'s BroadcastChannel cannot reach the opener (an app in another site\'s iframe): the answer comes by postMessage', async (t) => {
  const { www, provider } = world.stack;
  const { context, page } = await world.openApp(t);
  // Browsers partition BroadcastChannel by top-level site: an app in a partner site's iframe and its top-level
  // popup do not hear each other. The same, here: in the popup (a page with an opener) the channel carries nothing.
  // The app's own page in the popup also talks to its opener before the callback runs: that is no answer.
  await context.addInitScript((app) => {
    if (!window.opener) return;
    BroadcastChannel.prototype.postMessage = () => {};
    if (window.location.origin === app) window.opener.postMessage('ready', app);
  }, www.origin);
  provider.resetCounters();
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === provider.issuer);
  await signIn(popup, www.origin, { login: 'heidi' }).catch(() => {}); // the popup closes itself on the way back
  await page.locator('#status[data-state="in"]').waitFor({ timeout: 10000 });
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'heidi');
  await popup.waitForEvent('close', { timeout: 5000 }).catch(() => {});
  assert.equal(popup.isClosed(), true, 'the popup closed itself once the opener took the answer');
  assert.equal(provider.counters.token.authorization_code, 1, 'one code exchange, in the opener');
});

test('a stray popup answer for an unknown state changes nothing', async (t) => {
  const { page } = await world.openApp(t);
  await page.evaluate(() => {
    const channel = new BroadcastChannel('spa-auth popup popup.unknown');
    channel.postMessage(`${window.location.origin}/?code=x&state=popup.unknown`);
    channel.close();
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
});

/** Resolves once `page` committed its next navigation back to the app. */
const backToApp = (page, w) => page.waitForEvent('framenavigated', {
  predicate: (f) => f === page.mainFrame() && f.url().startsWith(w.stack.www.origin),
});

test('silent check with a provider session: logged in after one round trip, no provider page shown', async (t) => {
  const { context, page } = await world.openApp(t);
  await world.logIn(page, { login: 'erin' }); // a session at the provider, in this browser
  const tab = await newPage(context);
  await tab.goto(`${world.stack.www.origin}/?tabs=isolated`);
  await waitReady(tab);
  assert.equal(await tab.locator('#status').getAttribute('data-state'), 'out', 'an isolated tab has no session of its own');
  let interactions = 0;
  let authorize = 0;
  tab.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/interaction')) interactions += 1;
    if (r.url().startsWith(`${world.stack.provider.issuer}/auth`)) authorize += 1;
  });
  const back = backToApp(tab, world);
  // The scopes the login was granted (this provider grants offline_access only with prompt=consent, so a silent
  // check that asks for it is answered consent_required: the next test's quiet case).
  await tab.evaluate(() => {
    const { AuthClient, options } = window.spaAuth;
    new AuthClient({ ...options, scope: 'openid profile email' })
      .checkSession({ silent: 'redirect', appState: { returnTo: '/events/42' } });
  });
  await back;
  await waitReady(tab);
  await tab.locator('#status[data-state="in"]').waitFor();
  assert.equal(JSON.parse(await tab.locator('#claims').textContent()).sub, 'erin');
  assert.equal(authorize, 1, 'one round trip');
  assert.equal(interactions, 0, 'no login or consent page of the provider was shown');
  assert.deepEqual(JSON.parse(await tab.locator('#app-state').textContent()), { returnTo: '/events/42' },
    'the check\'s appState comes back with the login');
  assert.ok(!(await addressOf(tab)).includes('code='), 'address bar clean');
});

test('silent check without a provider session: login_required handled quietly, address bar clean, not retried', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  let authorize = 0;
  page.on('request', (r) => { if (r.url().startsWith(`${provider.issuer}/auth`)) authorize += 1; });
  const back = backToApp(page, world);
  await page.click('#check-silent');
  await back;
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  assert.equal(await page.locator('#error').isHidden(), true, 'no error shown');
  assert.deepEqual(JSON.parse(await page.locator('#app-state').textContent()), { via: 'silent', returnTo: '/' },
    'the check\'s appState comes back without a login too');
  const address = new URL(await addressOf(page));
  for (const p of ['error', 'error_description', 'error_uri', 'state', 'iss', 'code']) assert.ok(!address.searchParams.has(p), p);
  assert.equal(authorize, 1, 'one authorize request');

  // The same tab asks again (e.g. on every load): no second redirect.
  await page.reload();
  await waitReady(page);
  assert.equal(await page.evaluate(() => window.spaAuth.client.checkSession({ silent: 'redirect' })), false);
  assert.equal(authorize, 1, 'not retried in this tab session');
});

test('getUserInfo: the provider\'s claims for the same sub', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'frank' });
  provider.resetCounters();
  await page.click('#userinfo');
  await page.locator('#userinfo-result:not(:empty)').waitFor();
  const claims = JSON.parse(await page.locator('#userinfo-result').textContent());
  assert.equal(claims.sub, 'frank');
  assert.equal(claims.email, 'frank@example.test');
  assert.equal(provider.counters.userinfo, 1);
});

/** The UserInfo endpoint answers `answer` (what `route.fulfill` takes) the first time, then the provider does;
 * resolves to a function telling how often it was asked. */
async function refuseUserInfoOnce(page, answer) {
  let asked = 0;
  await page.route(`${world.stack.provider.issuer}/me`, (route) => (asked++ > 0 ? route.continue() : route.fulfill(answer)));
  return () => asked;
}

/** Logs gina in, has the UserInfo endpoint refuse once with `answer`, and checks that `getUserInfo` refreshed and
 * asked once more for her claims; resolves to the page. */
async function userInfoAfterOneRefusal(t, answer) {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'gina' });
  const before = await world.storedTokens(page);
  const asked = await refuseUserInfoOnce(page, answer);
  provider.resetCounters();
  const claims = await page.evaluate(() => window.spaAuth.client.getUserInfo());
  assert.equal(claims.sub, 'gina');
  assert.equal(asked(), 2, 'refused once, then asked again');
  assert.notEqual((await world.storedTokens(page)).accessToken, before.accessToken, 'refreshed in between');
  await page.unroute(`${provider.issuer}/me`);
  return page;
}

test('getUserInfo answered invalid_token (the provider ended the session before the token expired): one refresh, one more try', async (t) => {
  const { provider, www, clientId } = world.stack;
  // The UserInfo endpoint refuses the token once (Keycloak does so once its session ended).
  const page = await userInfoAfterOneRefusal(t, {
    status: 401,
    headers: { 'access-control-allow-origin': www.origin, 'content-type': 'application/json' },
    body: JSON.stringify({ error: 'invalid_token', error_description: 'Token verification failed' }),
  });
  assert.equal(provider.counters.userinfo, 1);
  // The grant revoked at the provider (oidc-provider revokes a token's whole grant): the refresh cannot cure the
  // refusal, and its own error says so; the session is over.
  const revoked = await fetch(`${provider.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: (await world.storedTokens(page)).accessToken, token_type_hint: 'access_token', client_id: clientId }),
  });
  assert.equal(revoked.status, 200);
  const code = await page.evaluate(() => window.spaAuth.client.getUserInfo().then(() => 'resolved', (e) => e.code));
  assert.equal(code, 'login_required');
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
});

test('getUserInfo answered Keycloak\'s 401 invalid_request (its session gone): one refresh, one more try', async (t) => {
  const { www } = world.stack;
  // Keycloak's UserInfo answer once the user session was removed (logout elsewhere, cleaned up): 401, but with
  // `invalid_request`, not `invalid_token`.
  await userInfoAfterOneRefusal(t, {
    status: 401,
    headers: { 'access-control-allow-origin': www.origin, 'content-type': 'application/json' },
    body: JSON.stringify({ error: 'invalid_request', error_description: 'User session not found or doesn\'t have client attached on it' }),
  });
});

test('getUserInfo answered 401 whose error the page cannot read (a challenge not exposed by CORS): one refresh, one more try', async (t) => {
  const { provider, www } = world.stack;
  // Okta and Auth0 say why in WWW-Authenticate only, which a cross-origin page cannot read unless it is exposed.
  const page = await userInfoAfterOneRefusal(t, {
    status: 401,
    headers: { 'access-control-allow-origin': www.origin, 'www-authenticate': 'Bearer error="invalid_token"' },
    body: 'Unauthorized',
  });
  // Refused again after the refresh: the server's failure, once, with no further refresh.
  let refused = 0;
  await page.route(`${provider.issuer}/me`, (route) => {
    refused += 1;
    return route.fulfill({ status: 401, headers: { 'access-control-allow-origin': www.origin }, body: 'Unauthorized' });
  });
  const failed = await page.evaluate(() => window.spaAuth.client.getUserInfo().then(() => ({}), (e) => ({ code: e.code, message: e.message })));
  assert.equal(failed.code, 'server_error', JSON.stringify(failed));
  assert.match(failed.message, /401/);
  assert.equal(refused, 2, 'one refresh, one more try, no third');
  await page.unroute(`${provider.issuer}/me`);
});

test('silent check brought back from the back/forward cache: it ends with what the tab has instead of hanging', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  // The provider's answer to the authorize request is 204 No Content: the browser stays on the page, as it is
  // after Back restores it from the back/forward cache.
  let authorize = 0;
  await page.route(`${provider.issuer}/auth**`, (route) => { authorize += 1; return route.fulfill({ status: 204 }); });
  await page.evaluate(() => {
    window.checked = window.spaAuth.client.checkSession({ silent: 'redirect' }).then((v) => ({ v }), (e) => ({ e: String(e) }));
  });
  const deadline = Date.now() + 5000;
  while (authorize === 0 && Date.now() < deadline) await new Promise((r) => { setTimeout(r, 50); });
  assert.equal(authorize, 1, 'the silent check left for the provider');
  const pending = (ms) => page.evaluate((wait) => Promise.race([
    window.checked, new Promise((r) => { setTimeout(() => r('pending'), wait); }),
  ]), ms);
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false })));
  assert.equal(await pending(200), 'pending', 'an ordinary pageshow is not a return');
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
  assert.deepEqual(await pending(2000), { v: false }, 'restored: not logged in, and said so');
});
