// DPoP (RFC 9449) against the real oidc-provider (DPoP-bound tokens, `cnf.jkt`) and a resource server stand-in that
// checks every proof (tests/support/api.mjs /api/dpop): login, refresh, UserInfo and API calls with proofs; the same
// key after a reload and in another tab; the key gone after logout; a nonce demanded once costs exactly one retry;
// a bearer token where DPoP was asked for is refused; no WebCrypto or IndexedDB is invalid_config.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  dpopKeysOf, giveConsent, newPage, onLoginForm, signIn,
} from '../support/browser.mjs';
import { sleep, useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();

/** The app in a fresh context with `dpop: true` (the demo reads localStorage "demo:dpop"). */
async function openDpopApp(t) {
  const { context, page } = await world.openApp(t);
  await page.evaluate(() => localStorage.setItem('demo:dpop', '1'));
  await page.reload();
  await waitReady(page);
  return { context, page };
}

/** Logs in again through the demo's button: the provider may ask for the login, only for consent, or answer at once. */
async function logInAgain(page) {
  const { provider, www } = world.stack;
  await page.click('#login');
  for (let i = 0; i < 200; i += 1) {
    const url = new URL(page.url());
    try {
      if (url.origin === provider.issuer && await onLoginForm(page)) await signIn(page, www.origin);
      else if (url.origin === provider.issuer && url.pathname.startsWith('/interaction/')) await giveConsent(page, www.origin);
      else if (url.origin === www.origin && await page.locator('#status[data-state="in"]').count() > 0) return;
    } catch {
      // the page navigated while it was looked at: look again
    }
    await sleep(100);
  }
  throw new Error(`the login did not finish (at ${page.url()})`);
}

/** `client.fetch(url)` in the page: status and JSON body. */
function callApi(page, path = '/api/dpop') {
  return page.evaluate(async (url) => {
    const res = await window.spaAuth.client.fetch(url);
    return { status: res.status, body: await res.json() };
  }, `${world.stack.api.url}${path}`);
}

test('dpop: DPoP-bound tokens at login and refresh, proofs on API calls and UserInfo, one key across reloads and tabs, gone at logout', async (t) => {
  const { provider, api } = world.stack;
  const { context, page } = await openDpopApp(t);
  const authorizeUrls = [];
  page.on('request', (r) => { if (r.url().startsWith(`${provider.issuer}/auth`)) authorizeUrls.push(r.url()); });
  provider.resetCounters();
  await world.logIn(page);

  const jkt = new URL(authorizeUrls[0]).searchParams.get('dpop_jkt');
  assert.match(jkt ?? '', /^[A-Za-z0-9_-]{43}$/, 'the authorize request binds the code to the key (RFC 9449 §10)');
  assert.deepEqual(provider.tokenLog.map((e) => [e.grantType, e.status, e.dpop, e.tokenType]), [['authorization_code', 200, true, 'DPoP']]);
  const stored = await world.storedTokens(page);
  assert.equal(stored.tokenType, 'DPoP');
  assert.deepEqual(await dpopKeysOf(page), [`${provider.issuer} ${world.stack.clientId}`]);

  // The API: a DPoP token with a valid proof bound to the same key.
  api.resetRequests();
  const first = await callApi(page);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.jkt, jkt);
  assert.equal(api.requests[0].authorization, `DPoP ${stored.accessToken}`);
  // The same token as a bearer token is refused (by the API and by the provider's UserInfo).
  const bearer = await page.evaluate(async ([url, token]) => {
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status, body: await res.json() };
  }, [`${api.url}/api/dpop`, stored.accessToken]);
  assert.equal(bearer.status, 401);
  assert.equal(bearer.body.reason, 'a DPoP-bound token used as a bearer token');

  // UserInfo with the DPoP scheme and a proof.
  const claims = await page.evaluate(() => window.spaAuth.client.getUserInfo());
  assert.equal(claims.sub, 'alice');

  // A refresh: a proof, a DPoP token, still bound to the same key.
  const refreshed = await page.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  assert.notEqual(refreshed, stored.accessToken);
  assert.deepEqual(provider.tokenLog.at(-1) && [provider.tokenLog.at(-1).grantType, provider.tokenLog.at(-1).dpop, provider.tokenLog.at(-1).tokenType], ['refresh_token', true, 'DPoP']);
  assert.equal((await callApi(page)).body.jkt, jkt);

  // After a reload the key is the same: its refresh token (bound to the key) still refreshes.
  await page.reload();
  await waitReady(page);
  await page.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  assert.equal(provider.tokenLog.at(-1).status, 200);
  assert.equal((await callApi(page)).body.jkt, jkt);

  // Another tab of the app takes the session and signs with the same key.
  const second = await newPage(context);
  await second.goto(`${world.stack.www.origin}/`);
  await waitReady(second);
  assert.equal(await second.evaluate(() => window.spaAuth.client.isAuthenticated()), true);
  const fromSecond = await callApi(second);
  assert.equal(fromSecond.status, 200);
  assert.equal(fromSecond.body.jkt, jkt);

  // Every proof the API saw was new.
  const jtis = api.requests.filter((r) => r.dpop).map((r) => r.dpop.jti);
  assert.equal(new Set(jtis).size, jtis.length);

  // A logout refused for its options changes nothing: the key stays, and after a reload it still refreshes.
  const refused = await page.evaluate(() => window.spaAuth.client.logout({ localOnly: true, logoutParams: { client_id: 'x' } })
    .then(() => 'resolved', (e) => e.code));
  assert.equal(refused, 'invalid_argument');
  const noUrl = await page.evaluate(() => window.spaAuth.client.logout({ localOnly: true, returnTo: 'javascript:x' })
    .then(() => 'resolved', (e) => e.code));
  assert.equal(noUrl, 'invalid_argument', 'a returnTo that is no http(s) URL');
  assert.equal((await dpopKeysOf(page)).length, 1, 'the key is still in IndexedDB');
  await page.reload();
  await waitReady(page);
  await page.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  assert.equal(provider.tokenLog.at(-1).status, 200, 'the key-bound refresh token still refreshes');
  assert.equal((await callApi(page)).body.jkt, jkt);

  // Logout revokes (with a proof) and removes the key; the next login makes a new one.
  await page.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  assert.deepEqual(provider.revocationLog, [{ status: 200, dpop: true }], 'the revocation carried a proof');
  assert.deepEqual(await dpopKeysOf(page), []);
  authorizeUrls.length = 0;
  // The provider's own session is still there (localOnly): only its consent page, or straight back.
  await logInAgain(page);
  const next = new URL(authorizeUrls[0]).searchParams.get('dpop_jkt');
  assert.notEqual(next, jkt, 'a new key after logout');
  assert.equal((await callApi(page)).body.jkt, next);
});

test('dpop: a resource server that demands a nonce gets exactly one retry, and the nonce is kept for the next call', async (t) => {
  const { api } = world.stack;
  const { page } = await openDpopApp(t);
  await world.logIn(page);
  api.demandNonce();
  api.resetRequests();
  const answer = await callApi(page);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(api.requests.map((r) => r.status), [401, 200], 'one challenge, one retry');
  assert.equal(api.requests[0].dpop.nonce, undefined);
  assert.equal(typeof api.requests[1].dpop.nonce, 'string');
  api.resetRequests();
  assert.equal((await callApi(page)).status, 200);
  assert.deepEqual(api.requests.map((r) => r.status), [200], 'the kept nonce is sent at once');

  // A POST's body goes again with the retry, byte for byte.
  api.demandNonce();
  api.resetRequests();
  const posted = await page.evaluate(async (url) => {
    const res = await window.spaAuth.client.fetch(url, { method: 'POST', body: '{"order":42}', headers: { 'Content-Type': 'application/json' } });
    return { status: res.status, body: await res.json() };
  }, `${api.url}/api/dpop`);
  assert.equal(posted.status, 200);
  assert.equal(posted.body.received, '{"order":42}');
  assert.deepEqual(api.requests.map((r) => [r.method, r.status, r.body]), [['POST', 401, '{"order":42}'], ['POST', 200, '{"order":42}']]);
});

test('dpop: a bearer token from the token endpoint where DPoP was asked for is refused (server_error), nothing stored', async (t) => {
  const { provider } = world.stack;
  const { page } = await openDpopApp(t);
  await page.route(`${provider.issuer}/token`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    await route.fulfill({ response, json: { ...body, token_type: 'Bearer' } });
  });
  await page.click('#login');
  await page.waitForURL((u) => u.origin === provider.issuer);
  await signIn(page, world.stack.www.origin);
  await waitReady(page);
  assert.match(await page.locator('#error').textContent(), /server_error[\s\S]*downgrade/);
  assert.equal(await world.storedTokens(page), undefined);
});

test('dpop: without IndexedDB or WebCrypto the constructor throws invalid_config', async (t) => {
  const { page } = await world.openApp(t);
  const codes = await page.evaluate(() => {
    const { AuthClient, options } = window.spaAuth;
    const attempt = () => {
      try {
        new AuthClient({ ...options, dpop: true }).free();
        return 'constructed';
      } catch (e) {
        return `${e.code}: ${e.message}`;
      }
    };
    const withDpop = attempt();
    Object.defineProperty(window, 'indexedDB', { get: () => undefined, configurable: true });
    const withoutIndexedDb = attempt();
    delete window.indexedDB;
    Object.defineProperty(Crypto.prototype, 'subtle', { get: () => undefined, configurable: true });
    const withoutWebCrypto = attempt();
    return [withDpop, withoutIndexedDb, withoutWebCrypto];
  });
  assert.equal(codes[0], 'constructed');
  assert.match(codes[1], /^invalid_config: .*IndexedDB/);
  assert.match(codes[2], /^invalid_config: .*WebCrypto/);
});

test('dpop: with isolated tabs, each tab has its own key and a logout removes only its own', async (t) => {
  const { provider } = world.stack;
  const { context, page } = await world.openApp(t);
  await page.evaluate(() => localStorage.setItem('demo:dpop', '1'));
  await page.goto(`${world.stack.www.origin}/?tabs=isolated`);
  await waitReady(page);
  await world.logIn(page);
  const other = await newPage(context);
  await other.goto(`${world.stack.www.origin}/?tabs=isolated`);
  await waitReady(other);
  await logInAgain(other);
  const jktOther = (await callApi(other)).body.jkt;
  assert.notEqual((await callApi(page)).body.jkt, jktOther, 'each isolated tab has its own key');
  assert.equal((await dpopKeysOf(page)).length, 2);

  // Tab A logs out: its key goes, tab B's stays. (The revocation also ends B's tokens here: oidc-provider revokes
  // the whole grant, which both tabs' logins share.)
  await page.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  assert.equal((await dpopKeysOf(page)).length, 1);
  // After a reload, tab B's next login is bound to the same key as before (its revoked tokens dropped first).
  await other.evaluate((key) => sessionStorage.removeItem(key), world.stack.tokensKey);
  await other.reload();
  await waitReady(other);
  const authorizeUrls = [];
  other.on('request', (r) => { if (r.url().startsWith(`${provider.issuer}/auth`)) authorizeUrls.push(r.url()); });
  await logInAgain(other);
  assert.equal(new URL(authorizeUrls[0]).searchParams.get('dpop_jkt'), jktOther);
  assert.equal((await callApi(other)).body.jkt, jktOther);
});
