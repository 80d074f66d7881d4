// Inputs from real apps (issue 10): URL and Location objects where a URL string is expected, and any other
// JavaScript value given to any export, never trap the module; an explicit minValidity is honoured; an openid login
// needs an ID token; a login that could not be stored is refused before the page is left; a refreshed `aud` is a
// set; a wrong option type is named.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { craftJwt } from '../support/standin-op.mjs';
import {
  assertAuthError, callInPage, followAuthorize, rawStored, useHostileWorld,
} from '../support/hostile.mjs';

const world = useHostileWorld();

/**
 * In the page: every export and method called with every kind of JavaScript value. Returns, per call, what an app
 * sees: { ok, type } for a result, { ok: false, isAuthError, code, message } for a rejection or a throw.
 */
function sweep(page, options) {
  return page.evaluate(async (o) => {
    const { hostile } = window;
    const values = {
      undefined, null: null, number: 42, empty: '', object: {}, array: [], url: new URL('https://api.example/events?q=jazz'),
      location: window.location, symbol: Symbol('s'), function: () => 1, bigint: 12345n, bare: Object.create(null),
      // Objects that pretend (from public bug reports of other libraries: proxies of state stores, mocks).
      fakeUrl: Object.setPrototypeOf({ href: 42 }, URL.prototype),
      bareUrl: Object.create(URL.prototype),
      fakeLocation: Object.create(Location.prototype),
      strictProxy: new Proxy({}, { get(_, k) { throw new Error(`strict: no ${String(k)}`); } }),
      revokedProxy: (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })(),
      throwingGetters: Object.defineProperties({}, Object.fromEntries([
        'minValidity', 'forceRefresh', 'returnTo', 'localOnly', 'appState', 'environment', 'tabWaitMs', 'silent',
        'issuer', 'clientId',
      ].map((n) => [n, { enumerable: true, get() { throw new Error(`getter ${n}`); } }]))),
    };
    // Values a navigating method would accept: calling it with them would leave the page.
    const navigates = new Set(['undefined', 'null', 'object', 'bare', 'url', 'location', 'empty']);
    const client = new hostile.AuthClient(o);
    const identification = new hostile.ClientIdentification({ clientId: 'sweep', mode: 'query' });
    const legacy = new hostile.LegacyJwtClient({ serverUrl: 'https://jwt-test.uitdatabank.be', apiKey: 'k' });
    const calls = {
      'new AuthClient': (v) => new hostile.AuthClient(v),
      'AuthClient.publiq': (v) => hostile.AuthClient.publiq(v),
      'new ClientIdentification': (v) => new hostile.ClientIdentification(v),
      'new LegacyJwtClient': (v) => new hostile.LegacyJwtClient(v),
      pkceChallenge: (v) => hostile.pkceChallenge(v),
      createPkcePair: (v) => hostile.createPkcePair(v),
      isCallback: (v) => client.isCallback(v),
      handleRedirectCallback: (v) => client.handleRedirectCallback(v),
      buildAuthorizeUrl: (v) => client.buildAuthorizeUrl(v),
      loginWithRedirect: (v, name) => (navigates.has(name) ? 'skipped' : client.loginWithRedirect(v)),
      isAuthenticated: (v) => client.isAuthenticated(v),
      getAccessToken: (v) => client.getAccessToken(v),
      'getAccessToken minValidity': (v) => client.getAccessToken({ minValidity: v }),
      'getAccessToken forceRefresh': (v) => client.getAccessToken({ forceRefresh: v }),
      getTokens: (v) => client.getTokens(v),
      checkSession: (v) => client.checkSession(v),
      getUser: (v) => client.getUser(v),
      fetch: (v) => client.fetch(v),
      'fetch init': (v) => client.fetch('/nothing', v),
      logout: (v, name) => (navigates.has(name) ? 'skipped' : client.logout(v)),
      'logout returnTo': (v) => client.logout({ localOnly: true, returnTo: v }),
      logoutParams: (v) => client.logout({ localOnly: true, logoutParams: v }),
      'logout idTokenHint': (v) => client.logout({ localOnly: true, idTokenHint: v }),
      onChange: (v) => client.onChange(v),
      'authorizationParams': (v) => client.buildAuthorizeUrl({ authorizationParams: v }),
      'ClientIdentification.headers': (v) => identification.headers(v),
      'ClientIdentification.apply': (v) => identification.apply(v),
      'ClientIdentification.fetch': (v) => identification.fetch(v),
      'LegacyJwtClient.login': (v, name) => (navigates.has(name) ? 'skipped' : legacy.login(v)),
      'LegacyJwtClient.isCallback': (v) => legacy.isCallback(v),
      'LegacyJwtClient.handleCallback': (v) => legacy.handleCallback(v),
      'LegacyJwtClient.getToken': (v) => legacy.getToken(v),
      'LegacyJwtClient.fetch': (v) => legacy.fetch(v),
    };
    const seen = {};
    for (const [call, fn] of Object.entries(calls)) {
      for (const [name, value] of Object.entries(values)) {
        let outcome;
        try {
          const value_ = await fn(value, name);
          outcome = { ok: true, type: typeof value_ };
        } catch (err) {
          outcome = {
            ok: false, isAuthError: err instanceof hostile.AuthError, code: err?.code, message: String(err?.message ?? err),
          };
        }
        seen[`${call}(${name})`] = outcome;
      }
    }
    return seen;
  }, options);
}

test('every export, given any JavaScript value, answers or rejects with an AuthError; the module keeps working', async (t) => {
  const page = await world.open(t);
  const seen = await sweep(page, world.options());
  const failures = Object.entries(seen).filter(([, o]) => !o.ok && !o.isAuthError);
  assert.deepEqual(failures, [], 'every rejection is an AuthError');
  for (const [call, o] of Object.entries(seen)) {
    if (!o.ok) assert.doesNotMatch(o.message, /unreachable|memory access|RuntimeError|panicked/i, call);
  }
  // The named cases of the issue, with the argument named.
  const named = (call, code, argument) => {
    assert.equal(seen[call].ok, false, `${call} rejects`);
    assert.equal(seen[call].code, code, `${call}: ${seen[call].message}`);
    assert.match(seen[call].message, new RegExp(`\`${argument}\``), `${call} names ${argument}`);
  };
  named('handleRedirectCallback(number)', 'invalid_argument', 'url');
  named('isCallback(number)', 'invalid_argument', 'url');
  named('isCallback(symbol)', 'invalid_argument', 'url');
  named('pkceChallenge(object)', 'invalid_argument', 'verifier');
  named('pkceChallenge(undefined)', 'invalid_argument', 'verifier');
  named('fetch(number)', 'invalid_argument', 'input');
  named('fetch init(number)', 'invalid_argument', 'init');
  named('onChange(number)', 'invalid_argument', 'listener');
  named('getAccessToken(number)', 'invalid_argument', 'options');
  named('getAccessToken minValidity(empty)', 'invalid_argument', 'minValidity');
  named('getAccessToken forceRefresh(number)', 'invalid_argument', 'forceRefresh');
  named('logout returnTo(number)', 'invalid_argument', 'returnTo');
  named('loginWithRedirect(array)', 'invalid_argument', 'options');
  named('ClientIdentification.apply(object)', 'invalid_argument', 'url');
  named('LegacyJwtClient.handleCallback(bigint)', 'invalid_argument', 'url');
  named('authorizationParams(array)', 'invalid_argument', 'authorizationParams');
  named('logoutParams(array)', 'invalid_argument', 'logoutParams');
  named('logoutParams(number)', 'invalid_argument', 'logoutParams');
  named('logout idTokenHint(number)', 'invalid_argument', 'idTokenHint');
  assert.deepEqual(seen['logoutParams(object)'], { ok: true, type: 'undefined' }, 'an empty object is no parameter');
  assert.equal(seen['new AuthClient(array)'].code, 'invalid_config');
  assert.match(seen['new AuthClient(array)'].message, /AuthClient options must be an object, got an array/);
  assert.equal(seen['new AuthClient(number)'].code, 'invalid_config');
  // URL and Location objects are taken as their href.
  assert.deepEqual(seen['isCallback(url)'], { ok: true, type: 'boolean' });
  assert.deepEqual(seen['isCallback(location)'], { ok: true, type: 'boolean' });
  assert.deepEqual(seen['ClientIdentification.apply(url)'], { ok: true, type: 'string' });
  assert.deepEqual(seen['LegacyJwtClient.isCallback(location)'], { ok: true, type: 'boolean' });
  // Objects that only pretend to be a URL or a Location are no URL; throwing getters and proxies are named errors.
  named('isCallback(fakeUrl)', 'invalid_argument', 'url');
  named('isCallback(bareUrl)', 'invalid_argument', 'url');
  named('isCallback(fakeLocation)', 'invalid_argument', 'url');
  named('LegacyJwtClient.login(fakeUrl)', 'invalid_argument', 'destination');
  named('getAccessToken(throwingGetters)', 'invalid_argument', 'minValidity');
  named('logout(throwingGetters)', 'invalid_argument', 'returnTo');
  named('checkSession(throwingGetters)', 'invalid_argument', 'tabWaitMs');
  named('getAccessToken(strictProxy)', 'invalid_argument', 'options');
  assert.equal(seen['buildAuthorizeUrl(throwingGetters)'].code, 'invalid_argument');
  assert.equal(seen['new AuthClient(throwingGetters)'].code, 'invalid_config');
  assert.equal(seen['new AuthClient(revokedProxy)'].code, 'invalid_config');
  assert.equal(seen['AuthClient.publiq(throwingGetters)'].code, 'invalid_config');

  const applied = await page.evaluate(() => new window.hostile.ClientIdentification({ clientId: 'x', mode: 'query' })
    .apply(new URL('https://api.example/events?q=jazz')));
  assert.equal(applied, 'https://api.example/events?q=jazz&clientId=x');
  // A URL made in another window (an iframe's realm) is a URL too.
  const crossRealm = await page.evaluate(() => {
    const frame = document.body.appendChild(document.createElement('iframe'));
    const url = new frame.contentWindow.URL('https://api.example/events?q=jazz');
    return new window.hostile.ClientIdentification({ clientId: 'x', mode: 'query' }).apply(url);
  });
  assert.equal(crossRealm, 'https://api.example/events?q=jazz&clientId=x');

  // The same instance still logs in, with the callback given as a URL object.
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const url = await page.evaluate(() => window.hostile.clients.main.buildAuthorizeUrl());
  const callbackUrl = await followAuthorize(url);
  assert.equal(await page.evaluate((u) => window.hostile.clients.main.isCallback(new URL(u)), callbackUrl), true);
  const outcome = await page.evaluate((u) => window.hostile.attempt(
    () => window.hostile.clients.main.handleRedirectCallback(new URL(u)),
  ), callbackUrl);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getTokens()))?.accessToken,
    world.op.tokenRequests.at(-1).accessTokenIssued);
  await world.assertStillWorks(page);
});

test('an explicit minValidity is honoured: 4 s tokens, minValidity 3600 refreshes, -1 refreshes now; the default does not', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  world.op.nextToken(({ goodTokens }) => ({ status: 200, json: { ...goodTokens(), expires_in: 4 } }));
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const refreshes = () => world.op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
  const first = world.op.tokenRequests.at(-1).accessTokenIssued;

  assert.deepEqual(await callInPage(page, 'main', 'getAccessToken'), { ok: true, value: first }, 'default: cached');
  assert.equal(refreshes(), 0);
  const long = await callInPage(page, 'main', 'getAccessToken', { minValidity: 3600 });
  assert.equal(refreshes(), 1, 'minValidity 3600 sent one refresh');
  assert.equal(long.value, world.op.tokenRequests.at(-1).accessTokenIssued);
  assert.notEqual(long.value, first);

  // keycloak-js's updateToken(-1): a refresh now, however long the token still lives.
  world.op.nextToken(({ goodTokens }) => ({ status: 200, json: { ...goodTokens(), expires_in: 3600 } }));
  const forced = await callInPage(page, 'main', 'getAccessToken', { minValidity: -1 });
  assert.equal(refreshes(), 2, 'minValidity -1 sent one refresh');
  assert.equal(forced.value, world.op.tokenRequests.at(-1).accessTokenIssued);
  assert.notEqual(forced.value, long.value);
  assert.deepEqual(await callInPage(page, 'main', 'getAccessToken'), { ok: true, value: forced.value }, 'then cached');
  const other = await callInPage(page, 'main', 'getAccessToken', { minValidity: -2 });
  assertAuthError(other, 'invalid_argument', /minValidity.*-1/);
  assert.equal(refreshes(), 2, 'no other negative value refreshes');
});

test('a code exchange without an ID token is id_token_invalid when the login asked for openid; nothing stored', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options({ scope: 'openid profile' }));
  world.op.nextToken(() => ({ status: 200, json: { access_token: 'at', token_type: 'Bearer', expires_in: 300 } }));
  const { outcome } = await world.loginInPlace(page);
  assertAuthError(outcome, 'id_token_invalid', /openid/);
  assert.equal(await rawStored(page), null, 'nothing stored');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.getUser()), undefined);

  // A plain OAuth login (no openid) may have none.
  await page.evaluate((o) => window.hostile.client('main', o), world.options({ scope: 'profile' }));
  world.op.nextToken(() => ({ status: 200, json: { access_token: 'plain-at', token_type: 'Bearer', expires_in: 300 } }));
  const plain = await world.loginInPlace(page);
  assert.equal(plain.outcome.ok, true, JSON.stringify(plain.outcome.err));
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getTokens()))?.accessToken, 'plain-at');
});

for (const [label, initScript] of [
  ['setItem throws QuotaExceededError', () => {
    Storage.prototype.setItem = function setItem() {
      throw new DOMException('quota exceeded', 'QuotaExceededError');
    };
  }],
  ['the sessionStorage getter throws SecurityError', () => {
    Object.defineProperty(window, 'sessionStorage', {
      configurable: true,
      get() { throw new DOMException('Access is denied for this document.', 'SecurityError'); },
    });
  }],
]) {
  test(`${label}: loginWithRedirect refuses with storage_unavailable before leaving the page`, async (t) => {
    const page = await world.open(t, { initScript });
    await page.evaluate((o) => window.hostile.client('main', o), world.options());
    const before = page.url();
    const redirect = await callInPage(page, 'main', 'loginWithRedirect');
    assertAuthError(redirect, 'storage_unavailable', /sessionStorage/);
    assertAuthError(await callInPage(page, 'main', 'buildAuthorizeUrl'), 'storage_unavailable');
    await new Promise((r) => { setTimeout(r, 300); });
    assert.equal(page.url(), before, 'the page was not left');
    assert.equal(world.op.requests.filter((r) => r.path === '/authorize').length, 0, 'the provider saw no login');
  });
}

test('a refreshed ID token whose aud array is in another order is the same audience', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  world.op.nextToken(({ goodTokens, goodClaims }) => ({
    status: 200, json: { ...goodTokens(), id_token: craftJwt({ ...goodClaims(), aud: ['hostile-spa', 'api'] }) },
  }));
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  world.op.nextToken(({ goodTokens, goodClaims }) => ({
    status: 200, json: { ...goodTokens(), id_token: craftJwt({ ...goodClaims(), nonce: undefined, aud: ['api', 'hostile-spa'] }) },
  }));
  const refreshed = await callInPage(page, 'main', 'getAccessToken', { forceRefresh: true });
  assert.equal(refreshed.ok, true, JSON.stringify(refreshed.err));
  assert.deepEqual((await page.evaluate(() => window.hostile.clients.main.getUser())).aud, ['api', 'hostile-spa']);
  // Another audience is still refused.
  world.op.nextToken(({ goodTokens, goodClaims }) => ({
    status: 200, json: { ...goodTokens(), id_token: craftJwt({ ...goodClaims(), aud: ['hostile-spa'] }) },
  }));
  assertAuthError(await callInPage(page, 'main', 'getAccessToken', { forceRefresh: true }), 'id_token_invalid');
});

test('a wrong option type names the option and what it must be', async (t) => {
  const page = await world.open(t);
  const attempt = (o) => page.evaluate((opts) => window.hostile.attempt(() => new window.hostile.AuthClient(opts)), o);
  const err = assertAuthError(await attempt(world.options({ scope: ['openid', 'email'] })), 'invalid_config');
  assert.match(err.message, /`scope` must be a space-separated string, got an array/);
  assert.match(assertAuthError(await attempt(world.options({ leeway: '60' })), 'invalid_config').message,
    /`leeway` must be a number of seconds, got "60"/);
  assert.match(assertAuthError(await attempt(world.options({ storage: 'local' })), 'invalid_config').message,
    /`storage` must be "session" or "memory", got "local"/);
  assert.match(assertAuthError(await attempt(world.options({ authorizationParams: { prompt: 5 } })), 'invalid_config').message,
    /`authorizationParams.prompt` must be a string, got a number/);
  assert.match(assertAuthError(await attempt(world.options({ issuer: 42 })), 'invalid_config').message,
    /`issuer` must be a URL string, got a number/);
  const ci = await page.evaluate(() => window.hostile.attempt(() => new window.hostile.ClientIdentification({ clientId: 'x', mode: 7 })));
  assert.match(assertAuthError(ci, 'invalid_config').message, /`mode` must be "header" or "query", got a number/);
});

test('values JSON cannot carry are named or dropped as JSON drops them, and a client secret is refused however it is given', async (t) => {
  const page = await world.open(t);
  const outcomes = await page.evaluate(async (base) => {
    const { hostile } = window;
    const make = (extra) => hostile.attempt(() => new hostile.AuthClient({ ...base, ...extra }));
    const hidden = Object.defineProperty({ ...base }, 'clientSecret', { value: 's3cret', enumerable: false });
    const pending = {
      // Another library's options spread in: its callbacks are dropped, as JSON drops them.
      foreign: make({ onRedirectCallback: () => {}, cacheLocation: Symbol('memory') }),
      bigint: make({ leeway: 60n }),
      nan: make({ scope: NaN }),
      secretFunction: make({ clientSecret: () => 's3cret' }),
      secretSymbol: make({ client_secret: Symbol('s') }),
      secretNested: make({ authorizationParams: { client_secret: () => 's3cret' } }),
      // A framework's hidden member (Vue 2's `__ob__` points back at the object) is no cycle here.
      vue: hostile.attempt(() => new hostile.AuthClient(Object.defineProperty({ ...base }, '__ob__', { value: {}, enumerable: false }))),
      secretHidden: hostile.attempt(() => new hostile.AuthClient(hidden)),
      header: hostile.attempt(() => new hostile.ClientIdentification({ clientId: 'x', headerName: 'Origin' })),
      headerValue: hostile.attempt(() => new hostile.ClientIdentification({ clientId: '客户' })),
      serverUrl: hostile.attempt(() => new hostile.LegacyJwtClient({ serverUrl: 'https://jwt-test.uitdatabank.be?x=1', apiKey: 'k' })),
    };
    return Object.fromEntries(await Promise.all(Object.entries(pending).map(async ([k, v]) => [k, await v])));
  }, world.options());
  const message = (name) => assertAuthError(outcomes[name], 'invalid_config').message;
  assert.equal(outcomes.foreign.ok, true, JSON.stringify(outcomes.foreign));
  assert.equal(outcomes.vue.ok, true, JSON.stringify(outcomes.vue));
  assert.match(message('bigint'), /`leeway` must be a finite number, got a bigint/);
  assert.match(message('nan'), /`scope` must be JSON data, got NaN/);
  for (const name of ['secretFunction', 'secretSymbol', 'secretHidden', 'secretNested']) assert.match(message(name), /client secret must never/, name);
  assert.match(message('header'), /The header "Origin": "x" is one the browser does not send/);
  assert.match(message('headerValue'), /The header "x-client-id": "客户" .* not Latin-1/);
  assert.match(message('serverUrl'), /`serverUrl` .* without a query or fragment/);
});

test('timeouts: a token endpoint that never answers is `timeout` after timeoutMs, nothing stored, the next login works', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options({ timeoutMs: 800 }));
  world.op.nextToken(() => ({ hang: true }));
  const started = Date.now();
  const { outcome } = await world.loginInPlace(page);
  const took = Date.now() - started;
  const err = assertAuthError(outcome, 'timeout', /token request to http:\/\/127\.0\.0\.1:\d+ took longer than 800 ms/);
  assert.doesNotMatch(err.message, /\/token/, 'the origin, not the path');
  assert.ok(took >= 700 && took < 5000, `rejected after about timeoutMs (${took} ms)`);
  assert.equal(await rawStored(page), null, 'nothing stored');
  await world.assertStillWorks(page);
});

test('timeouts: where AbortSignal.timeout is missing (Safari before 16) a timer bounds the request', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => {
    AbortSignal.timeout = undefined;
    window.hostile.client('main', o);
  }, world.options({ timeoutMs: 800 }));
  world.op.nextToken(() => ({ hang: true }));
  const started = Date.now();
  const { outcome } = await world.loginInPlace(page);
  const took = Date.now() - started;
  assertAuthError(outcome, 'timeout', /took longer than 800 ms/);
  assert.ok(took >= 700 && took < 5000, `rejected after about timeoutMs (${took} ms)`);
});

test('timeouts: the caller\'s AbortController aborts auth.fetch without a refresh', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const before = world.op.tokenRequests.length;
  const aborted = await page.evaluate(async (url) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    try {
      await window.hostile.clients.main.fetch(url, { signal: controller.signal });
      return 'resolved';
    } catch (e) {
      return e.name;
    }
  }, `${world.op.issuer}/hang`);
  assert.equal(aborted, 'AbortError', 'rejected as fetch does, with the signal\'s reason');
  assert.equal(world.op.tokenRequests.length, before, 'no refresh');
});

test('an onChange listener that throws breaks neither the library\'s promises nor the other listeners', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => {
    window.hostile.client('main', o);
    window.heard = 0;
    window.hostile.clients.main.onChange(() => { throw new Error('a bug in the app'); });
    window.hostile.clients.main.onChange(() => { window.heard += 1; });
  }, world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, `the login resolves: ${JSON.stringify(outcome.err)}`);
  assert.equal(await page.evaluate(() => window.heard), 1, 'the next listener heard the login');
  assert.deepEqual(await callInPage(page, 'main', 'logout', { localOnly: true }), { ok: true, value: undefined });
  assert.equal(await page.evaluate(() => window.heard), 2, 'and the logout');
  assert.ok(page.messages.some((m) => m.type === 'pageerror' && m.text.includes('a bug in the app')),
    'the app\'s error is reported, not swallowed');
});
