// The JavaScript driver against scenarios of comparable libraries' bug reports (a review of 2026-12-01): an abort
// while `fetch` waits for a token, a 401 when no new token can be had, a listener that logs out, a callback handled
// twice at once (React's StrictMode), and `logout` given a click event with `dpop: true`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { assertAuthError, followAuthorize, useHostileWorld } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.a = await startRs(); });
after(async () => { await rs.a?.close(); });

const refreshes = () => world.op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;

/** hostile.html, client `main` with `extra` options, logged in (its first token answer changed by `answer`). */
async function login(t, { extra = {}, answer } = {}) {
  rs.a.reset();
  const page = await world.open(t);
  if (answer) world.op.nextToken(({ goodTokens }) => ({ status: 200, json: answer(goodTokens()) }));
  await page.evaluate((o) => window.hostile.client('main', o), world.options(extra));
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return page;
}

test('fetch: an abort while the token is being refreshed rejects at once with AbortError', async (t) => {
  const page = await login(t, { extra: { timeoutMs: 4000 }, answer: (tokens) => ({ ...tokens, expires_in: 1 }) });
  await new Promise((r) => setTimeout(r, 1500));
  world.op.nextToken(() => ({ hang: true })); // the refresh never answers
  const got = await page.evaluate(async (u) => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    try {
      await window.hostile.clients.main.fetch(u, { signal: ac.signal });
      return { ok: true };
    } catch (e) {
      return { name: e?.name, code: e?.code };
    }
  }, `${rs.a.url}/r`);
  assert.equal(got.name, 'AbortError', `rejected as fetch does, not after the refresh's timeout: ${JSON.stringify(got)}`);
  assert.equal(rs.a.requests.length, 0, 'the API was never called');
});

test('fetch: a 401 when no new token can be had gives the app the 401, not login_required', async (t) => {
  const page = await login(t, { answer: ({ refresh_token: _, ...tokens }) => tokens }); // no refresh token
  rs.a.on(() => ({ status: 401, json: { error: 'invalid_token' }, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }));
  const got = await page.evaluate(async (u) => {
    try {
      const r = await window.hostile.clients.main.fetch(u);
      return { status: r.status, body: await r.json() };
    } catch (e) {
      return window.hostile.describe(e);
    }
  }, `${rs.a.url}/r`);
  assert.deepEqual(got, { status: 401, body: { error: 'invalid_token' } });
  assert.equal(rs.a.requests.length, 1, 'no retry without a new token');
  assert.equal(refreshes(), 0);
});

test('fetch: free() while the request is out (a StrictMode cleanup) still lets its 401 refresh and retry', async (t) => {
  const page = await login(t);
  rs.a.on((_, n) => (n === 1
    ? { status: 401, json: { error: 'invalid_token' }, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }
    : { status: 200, json: { ok: true } }));
  const got = await page.evaluate(async (u) => {
    const c = window.hostile.clients.main;
    const pending = c.fetch(u);
    c.free();
    try {
      const r = await pending;
      return { status: r.status };
    } catch (e) {
      return window.hostile.describe(e);
    }
  }, `${rs.a.url}/r`);
  assert.deepEqual(got, { status: 200 }, 'the held fetch ran to its end');
  assert.equal(rs.a.requests.length, 2);
  assert.equal(refreshes(), 1);
});

test('onChange: after a listener logs out, no listener is left with the old session', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  await page.evaluate((o) => {
    window.hostile.client('main', o);
    const c = window.hostile.clients.main;
    window.heard = { first: [], second: [] };
    c.onChange((tokens) => {
      window.heard.first.push(tokens?.accessToken ?? null);
      if (tokens) c.logout({ localOnly: true }); // "this account may not use the app"
    });
    c.onChange((tokens) => window.heard.second.push(tokens?.accessToken ?? null));
  }, world.options());
  await world.loginInPlace(page);
  await page.waitForFunction(() => window.hostile.clients.main.getTokens() === undefined);
  const heard = await page.evaluate(() => window.heard);
  assert.equal(heard.second.at(-1), null, `the second listener last heard the logout: ${JSON.stringify(heard)}`);
  assert.equal(heard.first.at(-1), null);
});

test('handleRedirectCallback twice at once (React StrictMode): one code exchange, the same outcome for both; a later replay is invalid_state', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const url = await page.evaluate(() => window.hostile.clients.main.buildAuthorizeUrl({ appState: { to: '/cart' } }));
  const callback = await followAuthorize(url);
  const outcomes = await page.evaluate(async (u) => {
    window.history.replaceState(null, '', u);
    const c = window.hostile.clients.main;
    // The effect, twice: the address bar as the callback URL both times (the second sees it scrubbed).
    const both = await Promise.allSettled([c.handleRedirectCallback(), c.handleRedirectCallback()]);
    const later = await window.hostile.attempt(() => c.handleRedirectCallback(u)); // a replay, once it settled
    return [...both.map((r) => (r.status === 'fulfilled' ? r.value : { err: window.hostile.describe(r.reason) })), later];
  }, callback);
  assert.deepEqual(outcomes.slice(0, 2), [{ appState: { to: '/cart' } }, { appState: { to: '/cart' } }]);
  assertAuthError(outcomes[2], 'invalid_state');
  assert.equal(world.op.tokenRequests.filter((r) => r.grantType === 'authorization_code').length, 1);
});

test('storage "memory": a second client\'s call for the same callback is not told of a login it does not hold', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => {
    window.hostile.client('main', o);
    window.hostile.client('twin', o); // a StrictMode remount's new client, with the same options
  }, world.options({ storage: 'memory' }));
  const url = await page.evaluate(() => window.hostile.clients.main.buildAuthorizeUrl());
  const callback = await followAuthorize(url);
  const got = await page.evaluate(async (u) => {
    window.history.replaceState(null, '', u);
    const { main, twin } = window.hostile.clients;
    const both = await Promise.allSettled([main.handleRedirectCallback(), twin.handleRedirectCallback()]);
    return {
      outcomes: both.map((r) => (r.status === 'fulfilled' ? 'resolved' : r.reason.code)),
      main: main.isAuthenticated(),
      twin: twin.isAuthenticated(),
    };
  }, callback);
  // Before, the twin resolved as if logged in, holding nothing: its tokens live in the other client only.
  assert.deepEqual(got, { outcomes: ['resolved', 'invalid_state'], main: true, twin: false });
});

test('a popup redirect page handling its callback twice at once (StrictMode): both wait for the opener alike', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const outcomes = await page.evaluate(async () => {
    // A popup login's answer in a window whose opener is gone: nobody takes it.
    window.history.replaceState(null, '', '?code=c1&state=popup.gone');
    const c = window.hostile.clients.main;
    const both = await Promise.allSettled([c.handleRedirectCallback(), c.handleRedirectCallback()]);
    return both.map((r) => (r.status === 'fulfilled' ? 'resolved' : r.reason.code));
  });
  // Before, the second call found the address bar scrubbed and failed at once (`invalid_state`): an app that
  // navigated on that error unloaded the popup before the opener could take the answer.
  assert.deepEqual(outcomes, ['missing_transaction', 'missing_transaction']);
  assert.equal(world.op.tokenRequests.length, 0, 'nothing redeemed here');
});

test('free() in a StrictMode cleanup while the callback runs: the next client gets the login; the freed one says so', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const url = await page.evaluate(() => window.hostile.clients.main.buildAuthorizeUrl());
  const callback = await followAuthorize(url);
  const got = await page.evaluate(async ([u, o]) => {
    window.history.replaceState(null, '', u);
    const { AuthClient, attempt, describe } = window.hostile;
    // The effect, its cleanup, the effect again (React's StrictMode in development; a hot reload does the same).
    const first = new AuthClient(o);
    const heard = [];
    first.onChange(() => heard.push('first'));
    const firstRun = first.handleRedirectCallback();
    first.free();
    first.free(); // a second free does nothing
    const second = new AuthClient(o);
    second.onChange(() => heard.push('second'));
    const result = await attempt(() => second.handleRedirectCallback());
    await firstRun.catch(() => {});
    let after;
    try { first.isAuthenticated(); after = { ok: true }; } catch (e) { after = { ok: false, err: describe(e) }; }
    const afterAsync = await attempt(() => first.getAccessToken());
    return { result, authenticated: second.isAuthenticated(), after, afterAsync, heard, token: await attempt(() => second.getAccessToken()) };
  }, [callback, world.options()]);
  assert.equal(got.result.ok, true, JSON.stringify(got.result));
  assert.equal(got.authenticated, true);
  assert.equal(got.token.ok, true, JSON.stringify(got.token));
  assertAuthError(got.after, 'invalid_state');
  assertAuthError(got.afterAsync, 'invalid_state');
  assert.deepEqual(got.heard, ['second'], 'the freed client\'s listeners are not called; the next client\'s hear of the login');
  assert.equal(world.op.tokenRequests.filter((r) => r.grantType === 'authorization_code').length, 1);
});

test('logout given a click event (dpop: true): invalid_argument, and the session and its DPoP key stay', async (t) => {
  const page = await login(t, { extra: { dpop: true }, answer: (tokens) => ({ ...tokens, token_type: 'DPoP' }) });
  const keysBefore = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('spa-auth-dpop');
    open.onsuccess = () => {
      const db = open.result;
      const names = [...db.objectStoreNames];
      if (!names.length) return resolve(0);
      const count = db.transaction(names[0]).objectStore(names[0]).count();
      count.onsuccess = () => resolve(count.result);
    };
  }));
  assert.ok(keysBefore >= 1, 'a DPoP key is kept');
  const outcome = await page.evaluate(() => window.hostile.attempt(() => window.hostile.clients.main.logout(new MouseEvent('click'))));
  assertAuthError(outcome, 'invalid_argument', /options/);
  const after = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('spa-auth-dpop');
    open.onsuccess = () => {
      const db = open.result;
      const store = [...db.objectStoreNames][0];
      const count = db.transaction(store).objectStore(store).count();
      count.onsuccess = () => resolve(count.result);
    };
  }));
  assert.equal(after, keysBefore, 'the DPoP key was not removed');
  assert.ok(await page.evaluate(() => window.hostile.clients.main.getTokens()?.accessToken), 'still logged in');
});

test('options made by a class or Object.create are read whole, inherited getters too; a clientSecret getter is refused', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  const got = await page.evaluate((o) => {
    const { AuthClient } = window.hostile;
    class Config {
      get issuer() { return o.issuer; }
      get clientId() { return o.clientId; }
      get redirectUri() { return o.redirectUri; }
    }
    class WithSecret extends Config {
      get clientSecret() { return 'shh'; }
    }
    const attempt = (make) => {
      try {
        make();
        return 'ok';
      } catch (e) {
        return `${e.code}: ${e.message}`;
      }
    };
    return {
      fromClass: attempt(() => new AuthClient(new Config())),
      fromCreate: attempt(() => new AuthClient(Object.create({ issuer: o.issuer, clientId: o.clientId, redirectUri: o.redirectUri }))),
      secret: attempt(() => new AuthClient(new WithSecret())),
    };
  }, world.options());
  assert.equal(got.fromClass, 'ok');
  assert.equal(got.fromCreate, 'ok');
  assert.match(got.secret, /^invalid_config: .*secret/i);
  // Login options made by a class too: its `authorizationParams` getter reaches the authorize URL.
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const url = await page.evaluate(() => {
    class LoginOptions {
      get authorizationParams() { return { ui_locales: 'nl' }; }
    }
    return window.hostile.clients.main.buildAuthorizeUrl(new LoginOptions());
  });
  assert.equal(new URL(url).searchParams.get('ui_locales'), 'nl');
  // An empty `returnTo` (an unset setting) is refused before anything is forgotten, not sent as
  // `post_logout_redirect_uri=` (which Keycloak refuses).
  const empty = await page.evaluate(() => window.hostile.attempt(() => window.hostile.clients.main.logout({ returnTo: '' })));
  assert.match(assertAuthError(empty, 'invalid_argument').message, /`returnTo` must be a URL, not empty, got ""/);
});

test('fetch with an already aborted signal and no session: AbortError, no token request, no unhandled rejection', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const got = await page.evaluate(async (u) => {
    try {
      await window.hostile.clients.main.fetch(u, { signal: AbortSignal.abort() });
      return { ok: true };
    } catch (e) {
      await new Promise((r) => setTimeout(r, 300)); // time for a stray rejection to surface
      return { name: e?.name };
    }
  }, `${rs.a.url}/r`);
  assert.equal(got.name, 'AbortError');
  assert.equal(world.op.tokenRequests.length, 0);
  assert.deepEqual(page.messages.filter((m) => m.type === 'pageerror'), [], 'no unhandled rejection');
});
