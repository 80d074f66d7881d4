// publiq's legacy UiTiD v1 JWT flow (Entry API 3) against stand-ins for jwt-test.uitdatabank.be and Entry API:
// the /connect redirect, the ?jwt=&refresh= callback, storage and scrubbing, authenticated calls, /refresh.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, requireWebBuild } from '../support/browser.mjs';
import { startJwtProvider } from '../support/jwt-provider.mjs';
import { startStatic } from '../support/static.mjs';

const REFRESH_KEY = 'key-refresh';
const PLAIN_KEY = 'key-plain';
const w = {};

before(async () => {
  requireWebBuild();
  w.jwt = await startJwtProvider({ apiKeys: { [REFRESH_KEY]: { refresh: true }, [PLAIN_KEY]: { refresh: false } } });
  w.www = await startStatic({ config: { jwtServerUrl: w.jwt.url, entryApiUrl: w.jwt.entry.url } });
  w.browser = await launchBrowser();
});
after(async () => {
  await w.browser?.close();
  await w.www?.close();
  await w.jwt?.close();
});

async function ready(page) {
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('body').getAttribute('data-ready'), 'true', 'publiq.html started');
}

/** A fresh browser context (only 127.0.0.1 is ever asked for) with www/publiq.html?tab=legacy open. */
async function openPage(t) {
  const context = await w.browser.newContext();
  t.after(() => context.close());
  const page = await newPage(context);
  await page.goto(`${w.www.origin}/publiq.html?tab=legacy`);
  await ready(page);
  return page;
}

/** In the page: a LegacyJwtClient on the stand-in provider, kept as window.legacy. */
function options({ apiKey = REFRESH_KEY, lang = 'fr' } = {}) {
  return { serverUrl: w.jwt.url, apiKey, ...(lang ? { lang } : {}) };
}

/** login() in the page, the provider's button, and back on the app with ?jwt=… */
async function loginAtProvider(page, opts) {
  await page.evaluate((o) => {
    // Not awaited: the page is navigating away.
    new window.spaAuth.LegacyJwtClient(o).login().catch((e) => { window.loginError = e; });
  }, opts);
  await page.waitForURL((u) => u.origin === w.jwt.url && u.pathname === '/connect');
  await page.click('#approve');
  await page.waitForURL((u) => u.origin === w.www.origin);
  await ready(page);
}

/** In the page: a new client, isCallback(), handleCallback() and what the page then holds. */
function handle(page, opts) {
  return page.evaluate(async (o) => {
    const { LegacyJwtClient, AuthError } = window.spaAuth;
    const legacy = new LegacyJwtClient(o);
    window.legacy = legacy;
    window.sameDocument = true; // gone if the page reloaded
    const seen = { isCallback: legacy.isCallback(), hrefBefore: window.location.href };
    let error = null;
    try {
      await legacy.handleCallback();
    } catch (e) {
      error = { code: e?.code, message: e?.message, isAuthError: e instanceof AuthError };
    }
    return {
      ...seen,
      error,
      sameDocument: window.sameDocument === true,
      hrefAfter: window.location.href,
      isAuthenticated: legacy.isAuthenticated(),
      token: legacy.getToken() ?? null,
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
      session: { ...sessionStorage },
    };
  }, opts);
}

/** Call a method of window.legacy: { value } or { error: { code, message } }. */
function call(page, method, ...args) {
  return page.evaluate(async ({ method, args }) => {
    try {
      const value = await window.legacy[method](...args);
      return { value: value ?? null };
    } catch (e) {
      return { error: { code: e?.code, message: e?.message, isAuthError: e instanceof window.spaAuth.AuthError } };
    }
  }, { method, args });
}

/** window.legacy.fetch(url, init) → { status, body }. */
function legacyFetch(page, url, init) {
  return page.evaluate(async ({ url, init }) => {
    const res = await window.legacy.fetch(url, init);
    return { status: res.status, body: await res.json() };
  }, { url, init });
}

const legacyKeys = (session) => Object.keys(session).filter((k) => k.startsWith('spa-auth:'));

test('login goes to /connect with apiKey, destination and lang; the callback is stored and scrubbed', async (t) => {
  const { jwt } = w;
  jwt.reset();
  const page = await openPage(t);
  const pageUrl = `${w.www.origin}/publiq.html?tab=legacy`;
  await loginAtProvider(page, options());

  assert.equal(jwt.connects.length, 1);
  const connect = jwt.connects[0];
  assert.deepEqual(connect.params, { apiKey: REFRESH_KEY, destination: pageUrl, lang: 'fr' });
  assert.equal(connect.query, `apiKey=${REFRESH_KEY}&destination=${encodeURIComponent(pageUrl)}&lang=fr`);

  // Back on the page: its own parameter kept, jwt and refresh appended by the provider.
  const landed = new URL(page.url());
  assert.equal(landed.pathname, '/publiq.html');
  assert.equal(landed.searchParams.get('tab'), 'legacy');
  const issued = jwt.issued.at(-1);
  assert.equal(landed.searchParams.get('jwt'), issued);
  const refresh = landed.searchParams.get('refresh');
  assert.match(refresh ?? '', /^[A-Za-z0-9_-]{32}$/);

  const got = await handle(page, options());
  assert.equal(got.error, null, JSON.stringify(got.error));
  assert.equal(got.isCallback, true);
  assert.equal(got.sameDocument, true, 'no reload');
  assert.equal(got.hrefAfter, pageUrl, 'jwt and refresh removed, tab=legacy kept');
  assert.equal(await page.evaluate(() => window.location.href), pageUrl);
  assert.equal(got.isAuthenticated, true);
  assert.equal(got.token, issued);
  assert.ok(!got.local.includes(issued) && !got.local.includes(refresh), 'nothing in localStorage');
  assert.ok(!got.cookie.includes(issued));
  assert.equal(legacyKeys(got.session).length, 1, 'one spa-auth: key in sessionStorage');
  assert.ok(JSON.stringify(got.session).includes(issued));
  assert.equal(await page.evaluate(() => window.legacy.isCallback()), false);

  // A reload keeps the session (sessionStorage) and finds no callback.
  await page.reload();
  await ready(page);
  const reloaded = await page.evaluate((o) => {
    const legacy = new window.spaAuth.LegacyJwtClient(o);
    return { isCallback: legacy.isCallback(), isAuthenticated: legacy.isAuthenticated(), token: legacy.getToken() ?? null };
  }, options());
  assert.deepEqual(reloaded, { isCallback: false, isAuthenticated: true, token: issued });
});

test('fetch sends Bearer + X-Api-Key to Entry API; refresh() gets a new JWT; a 401 refreshes once and retries', async (t) => {
  const { jwt } = w;
  jwt.reset();
  const page = await openPage(t);
  await loginAtProvider(page, options());
  const refresh = new URL(page.url()).searchParams.get('refresh');
  const first = (await handle(page, options())).token;
  assert.ok(first);

  let res = await legacyFetch(page, `${jwt.entry.url}/user?include=roles`, { headers: { 'Accept-Language': 'fr' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.uid, jwt.verify(first).uid);
  assert.equal(jwt.entry.calls.length, 1);
  const sent = jwt.entry.calls[0];
  assert.equal(sent.path, '/user');
  assert.equal(sent.authorization, `Bearer ${first}`);
  assert.equal(sent.apiKey, REFRESH_KEY);
  assert.equal(sent.headers['accept-language'], 'fr');
  assert.equal(sent.headers.origin, w.www.origin);

  // refresh(): GET /refresh?apiKey=…&refresh=…, the plain-text JWT back, stored.
  const refreshed = await call(page, 'refresh');
  assert.equal(refreshed.error, undefined, JSON.stringify(refreshed.error));
  assert.equal(jwt.refreshes.length, 1);
  assert.deepEqual(
    { apiKey: jwt.refreshes[0].apiKey, refresh: jwt.refreshes[0].refresh, status: jwt.refreshes[0].status },
    { apiKey: REFRESH_KEY, refresh, status: 200 },
  );
  assert.equal(jwt.refreshes[0].origin, w.www.origin, 'called from the page');
  const second = jwt.refreshes[0].jwt;
  assert.notEqual(second, first);
  assert.equal(refreshed.value, second);
  assert.equal((await call(page, 'getToken')).value, second);

  // The next call carries the new JWT.
  res = await legacyFetch(page, `${jwt.entry.url}/user`);
  assert.equal(res.status, 200);
  assert.equal(jwt.entry.calls.at(-1).authorization, `Bearer ${second}`);

  // A 401 from the API: one refresh, one retry with the new JWT.
  jwt.entry.failNext(1);
  const callsBefore = jwt.entry.calls.length;
  res = await legacyFetch(page, `${jwt.entry.url}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x"}' });
  assert.equal(res.status, 200);
  const retried = jwt.entry.calls.slice(callsBefore);
  assert.equal(retried.length, 2);
  assert.equal(jwt.refreshes.length, 2);
  const third = jwt.refreshes[1].jwt;
  assert.deepEqual(retried.map((r) => r.authorization), [`Bearer ${second}`, `Bearer ${third}`]);
  assert.deepEqual(retried.map((r) => r.body), ['{"name":"x"}', '{"name":"x"}'], 'the body replayed');
  assert.ok(retried.every((r) => r.apiKey === REFRESH_KEY));

  const elsewhere = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, href: window.location.href }));
  for (const token of [first, second, third, refresh]) assert.ok(!elsewhere.includes(token));
});

test('an expired JWT on the callback is refused: id_token_invalid, nothing stored, address scrubbed', async (t) => {
  const { jwt } = w;
  jwt.reset();
  jwt.state.issueExpired = true;
  t.after(() => { jwt.state.issueExpired = false; });
  const page = await openPage(t);
  await loginAtProvider(page, options());
  const expired = jwt.issued.at(-1);
  assert.ok(jwt.verify(expired) === undefined, 'the stand-in did issue an expired JWT');
  assert.equal(new URL(page.url()).searchParams.get('jwt'), expired);

  const got = await handle(page, options());
  assert.equal(got.isCallback, true);
  assert.deepEqual(got.error && { code: got.error.code, isAuthError: got.error.isAuthError }, { code: 'id_token_invalid', isAuthError: true });
  assert.equal(got.isAuthenticated, false);
  assert.equal(got.token, null);
  assert.deepEqual(legacyKeys(got.session), [], 'nothing stored');
  assert.equal(got.hrefAfter, `${w.www.origin}/publiq.html?tab=legacy`, 'the refused token is not left in the address bar');
  assert.ok(!got.local.includes(expired));
});

test('a refused refresh token: login_required and the session removed', async (t) => {
  const { jwt } = w;
  jwt.reset();
  const page = await openPage(t);
  await loginAtProvider(page, options());
  const got = await handle(page, options());
  assert.equal(got.isAuthenticated, true);

  jwt.forgetRefreshTokens();
  const refused = await call(page, 'refresh');
  assert.deepEqual(refused.error && { code: refused.error.code, isAuthError: refused.error.isAuthError },
    { code: 'login_required', isAuthError: true });
  assert.equal(jwt.refreshes.length, 1);
  assert.equal(jwt.refreshes[0].status, 401);
  const after = await page.evaluate(() => ({
    isAuthenticated: window.legacy.isAuthenticated(),
    token: window.legacy.getToken() ?? null,
    keys: Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth:')),
  }));
  assert.deepEqual(after, { isAuthenticated: false, token: null, keys: [] });
});

test('an API key that may not refresh: no refresh= on the callback, refresh() is login_required without a request', async (t) => {
  const { jwt } = w;
  jwt.reset();
  const page = await openPage(t);
  await loginAtProvider(page, options({ apiKey: PLAIN_KEY, lang: null }));
  assert.deepEqual(jwt.connects[0].params, { apiKey: PLAIN_KEY, destination: `${w.www.origin}/publiq.html?tab=legacy` },
    'no lang parameter when none is configured');
  const landed = new URL(page.url());
  assert.ok(landed.searchParams.get('jwt'));
  assert.equal(landed.searchParams.has('refresh'), false);

  const got = await handle(page, options({ apiKey: PLAIN_KEY, lang: null }));
  assert.equal(got.error, null);
  assert.equal(got.isAuthenticated, true);
  const refused = await call(page, 'refresh');
  assert.equal(refused.error?.code, 'login_required');
  assert.equal(jwt.refreshes.length, 0, 'no /refresh request');

  // Entry API gets this key.
  const res = await legacyFetch(page, `${jwt.entry.url}/user`);
  assert.equal(res.status, 200);
  assert.equal(jwt.entry.calls.at(-1).apiKey, PLAIN_KEY);
});

test('a destination with encoded parameters and a fragment comes back intact after the scrub', async (t) => {
  const { jwt } = w;
  jwt.reset();
  const context = await w.browser.newContext();
  t.after(() => context.close());
  const page = await newPage(context);
  const pageUrl = `${w.www.origin}/publiq.html?q=a%2Bb&tab=legacy#agenda`;
  await page.goto(pageUrl);
  await ready(page);
  await loginAtProvider(page, options({ lang: 'de' }));
  assert.equal(jwt.connects[0].params.destination, pageUrl);
  assert.equal(jwt.connects[0].params.lang, 'de');
  const landed = page.url();
  assert.ok(landed.startsWith(`${w.www.origin}/publiq.html?q=a%2Bb&tab=legacy&jwt=`), landed);
  assert.ok(landed.endsWith('#agenda'), landed);

  const got = await handle(page, options({ lang: 'de' }));
  assert.equal(got.error, null, JSON.stringify(got.error));
  assert.equal(got.hrefAfter, pageUrl);
  assert.equal(got.token, jwt.issued.at(-1));
});

test('bad options are invalid_config', async (t) => {
  const page = await openPage(t);
  const got = await page.evaluate((serverUrl) => {
    const attempt = (o) => {
      try {
        new window.spaAuth.LegacyJwtClient(o); // eslint-disable-line no-new
        return 'ok';
      } catch (e) {
        return e instanceof window.spaAuth.AuthError ? e.code : `not an AuthError: ${e}`;
      }
    };
    return {
      plainHttp: attempt({ serverUrl: 'http://jwt-test.uitdatabank.be', apiKey: 'k' }),
      noKey: attempt({ serverUrl }),
      badLang: attempt({ serverUrl, apiKey: 'k', lang: 'en' }),
      secret: attempt({ serverUrl, apiKey: 'k', clientSecret: 's' }),
      good: attempt({ serverUrl: 'https://jwt-test.uitdatabank.be', apiKey: 'k', lang: 'de' }),
    };
  }, w.jwt.url);
  assert.deepEqual(got, { plainHttp: 'invalid_config', noKey: 'invalid_config', badLang: 'invalid_config', secret: 'invalid_config', good: 'ok' });
});
