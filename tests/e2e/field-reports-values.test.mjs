// Values apps pass, from a hunt through comparable libraries' bug reports (2026-12-03): option values JSON would
// empty (a URLSearchParams or a Map as authorizationParams), a `mode: "no-cors"` request (the browser drops the
// headers the library adds), and a callback URL given relative to the page (`handleRedirectCallback(location.search)`).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAuthError, assertScrubbed, followAuthorize, useHostileWorld } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.a = await startRs(); });
after(async () => { await rs.a?.close(); });

const pendingLogins = (page) => page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes(':tx:')).length);

test('option values JSON would empty (URLSearchParams, Map, Set) are refused by name, never sent as nothing', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const got = await page.evaluate(async (o) => {
    const h = window.hostile;
    const main = h.clients.main;
    return {
      created: await h.attempt(() => { h.client('bad', { ...o, authorizationParams: new URLSearchParams({ prompt: 'login' }) }); }),
      login: await h.attempt(() => main.buildAuthorizeUrl({ authorizationParams: new Map([['organization', 'org_1']]) })),
      appState: await h.attempt(() => main.buildAuthorizeUrl({ appState: { tabs: new Set(['inbox']) } })),
      logout: await h.attempt(() => main.logout({ logoutParams: new URLSearchParams({ ui_locales: 'nl' }) })),
    };
  }, world.options());
  assertAuthError(got.created, 'invalid_config', /`authorizationParams` must be a plain object.*got a URLSearchParams object/);
  assertAuthError(got.login, 'invalid_argument', /`authorizationParams` must be a plain object.*got a Map object/);
  assertAuthError(got.appState, 'invalid_argument', /`appState` must be a JSON value.*got a Set object/);
  assertAuthError(got.logout, 'invalid_argument', /`logoutParams` must be a plain object.*got a URLSearchParams object/);
  assert.equal(await pendingLogins(page), 0, 'no login was started');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isAuthenticated()), true, 'the refused logout ended nothing');
});

test('what JSON carries still passes: other libraries\' option objects, a Location in appState', async (t) => {
  const page = await world.open(t);
  const got = await page.evaluate(async (o) => {
    const h = window.hostile;
    // Options spread in from another library's settings (an oidc-client-ts userStore), which the core does not read.
    h.client('main', { ...o, userStore: { store: new Map(), prefix: 'oidc.' } });
    const url = await h.clients.main.buildAuthorizeUrl({ appState: { from: window.location, at: new Date(0) } });
    return { url, tx: Object.keys(sessionStorage).filter((k) => k.includes(':tx:')).length };
  }, world.options());
  assert.ok(got.url.startsWith(world.op.issuer), got.url);
  assert.equal(got.tx, 1, 'the login was started');
});

test('fetch with mode "no-cors" is invalid_argument, nothing sent: the browser would drop Authorization from it', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const tokenRequests = world.op.tokenRequests.length;
  const got = await page.evaluate(async (u) => {
    const h = window.hostile;
    const header = new h.ClientIdentification({ clientId: 'public-id' });
    const query = new h.ClientIdentification({ clientId: 'public-id', mode: 'query' });
    return {
      init: await h.attempt(() => h.clients.main.fetch(u, { mode: 'no-cors' })),
      request: await h.attempt(() => h.clients.main.fetch(new Request(u, { mode: 'no-cors' }))),
      header: await h.attempt(() => header.fetch(u, { mode: 'no-cors' })),
      query: await h.attempt(async () => (await query.fetch(u, { mode: 'no-cors' })).type),
    };
  }, `${rs.a.url}/events`);
  for (const name of ['init', 'request', 'header']) {
    assertAuthError(got[name], 'invalid_argument', /`mode` must be "cors" or "same-origin".*got "no-cors"/);
  }
  assert.deepEqual(got.query, { ok: true, value: 'opaque' }, 'in query mode the client id is in the URL, which no-cors keeps');
  assert.deepEqual(rs.a.requests.map((r) => r.search), ['?clientId=public-id'], 'only the query-mode call went out');
  assert.equal(world.op.tokenRequests.length, tokenRequests, 'no refresh was spent on a request that could not carry its token');
});

test('handleRedirectCallback(location.search): a URL relative to the page is this page\'s, so the address bar is cleaned', async (t) => {
  const page = await world.open(t);
  const url = await page.evaluate((o) => {
    window.hostile.client('main', o);
    return window.hostile.clients.main.buildAuthorizeUrl();
  }, world.options());
  const callbackUrl = new URL(await followAuthorize(url));
  // The page shows the callback (as after the provider's redirect), the app passes only its query.
  const got = await page.evaluate(async (href) => {
    window.history.replaceState(null, '', href);
    return window.hostile.attempt(() => window.hostile.clients.main.handleRedirectCallback(window.location.search));
  }, callbackUrl.href);
  assert.equal(got.ok, true, JSON.stringify(got.err));
  await assertScrubbed(page);
  assert.equal(await page.evaluate(() => typeof window.hostile.clients.main.getTokens()?.accessToken), 'string');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isCallback()), false, 'a reload would find no callback');

  // An empty URL is no URL: never the address bar's callback.
  await page.evaluate((href) => window.history.replaceState(null, '', href), callbackUrl.href);
  assertAuthError(await page.evaluate(() => window.hostile.attempt(() => window.hostile.clients.main.handleRedirectCallback(''))), 'invalid_state');
  assert.equal(await page.evaluate(() => window.location.href), callbackUrl.href, 'the address bar was not read');

  // The same with the legacy UiTiD v1 flow: `?jwt=` read from a relative URL leaves the address bar too.
  const legacy = await page.evaluate(async () => {
    const h = window.hostile;
    const payload = btoa(JSON.stringify({ sub: 'u1', exp: Math.floor(Date.now() / 1000) + 3600 })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    window.history.replaceState(null, '', `${window.location.pathname}?jwt=eyJhbGciOiJub25lIn0.${payload}.sig&keep=1`);
    const client = new h.LegacyJwtClient({ serverUrl: 'https://jwt-test.uitdatabank.be', apiKey: 'key-1' });
    const outcome = await h.attempt(() => client.handleCallback(window.location.search));
    return { outcome, search: window.location.search, token: typeof client.getToken() };
  });
  assert.equal(legacy.outcome.ok, true, JSON.stringify(legacy.outcome.err));
  assert.equal(legacy.search, '?keep=1', 'the JWT left the address bar');
  assert.equal(legacy.token, 'string');
});
