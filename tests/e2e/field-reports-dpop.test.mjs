// Regressions from scenarios in comparable libraries' bug reports: DPoP nonces from resource servers (a new one
// each time, on a 200, a challenge without one, kept after the retry that follows a refresh), htu, per-origin
// nonces, and IndexedDB failing after a reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useHostileWorld, callInPage, followAuthorize, assertAuthError, assertScrubbed } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.a = await startRs(); rs.b = await startRs(); });
after(async () => { await rs.a?.close(); await rs.b?.close(); });

const dpopAnswer = ({ goodTokens }) => ({ status: 200, json: { ...goodTokens(), token_type: 'DPoP' } });

async function dpopLogin(t) {
  rs.a.reset(); rs.b.reset();
  const page = await world.open(t);
  for (let i = 0; i < 10; i += 1) world.op.nextToken(dpopAnswer);
  await page.evaluate((o) => window.hostile.client('main', o), world.options({ dpop: true }));
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return page;
}

const call = (page, url, init) => page.evaluate(async ([u, i]) => {
  try {
    const res = await window.hostile.clients.main.fetch(u, i);
    return { status: res.status, text: await res.text() };
  } catch (e) { return { err: window.hostile.describe(e) }; }
}, [url, init]);

const refreshes = () => world.op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;

test('dpop: a resource server that answers every proof with a new nonce: two requests, no refresh, the 401 handed back', async (t) => {
  const page = await dpopLogin(t);
  let n = 0;
  rs.a.on(() => { n += 1; return { status: 401, json: { error: 'use_dpop_nonce' }, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': `n${n}` } }; });
  const before = refreshes();
  const got = await call(page, `${rs.a.url}/r`);
  console.log(got, rs.a.requests.map((r) => r.dpop?.nonce));
  assert.equal(got.status, 401);
  assert.equal(rs.a.requests.length, 2);
  assert.equal(refreshes() - before, 0);
  assert.deepEqual(rs.a.requests.map((r) => r.dpop?.nonce), [undefined, 'n1']);
  // The next call starts with the latest nonce (n2).
  rs.a.requests.length = 0;
  await call(page, `${rs.a.url}/r`);
  console.log('next call nonces', rs.a.requests.map((r) => r.dpop?.nonce));
  assert.equal(rs.a.requests[0].dpop?.nonce, 'n2');
});

test('dpop: DPoP-Nonce on a 200 is used by the next request', async (t) => {
  const page = await dpopLogin(t);
  rs.a.on(() => ({ status: 200, json: { ok: true }, headers: { 'DPoP-Nonce': 'fresh-200' } }));
  await call(page, `${rs.a.url}/r`);
  await call(page, `${rs.a.url}/r`);
  assert.deepEqual(rs.a.requests.map((r) => r.dpop?.nonce), [undefined, 'fresh-200']);
});

test('dpop: 401 use_dpop_nonce without a DPoP-Nonce header: one request, no refresh, 401 back', async (t) => {
  const page = await dpopLogin(t);
  rs.a.on(() => ({ status: 401, json: { error: 'use_dpop_nonce' }, headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' } }));
  const before = refreshes();
  const got = await call(page, `${rs.a.url}/r`);
  console.log(got, rs.a.requests.length, refreshes() - before);
  assert.equal(got.status, 401);
  assert.equal(rs.a.requests.length, 1);
  assert.equal(refreshes() - before, 0);
});

test('dpop: htu without query and fragment; a nonce of origin A never goes to origin B', async (t) => {
  const page = await dpopLogin(t);
  rs.a.on(() => ({ status: 200, json: {}, headers: { 'DPoP-Nonce': 'nonce-of-a' } }));
  await call(page, `${rs.a.url}/path/r?x=1&y=%20#frag`);
  await call(page, `${rs.b.url}/other`);
  console.log(rs.a.requests[0].dpop, rs.b.requests[0].dpop);
  assert.equal(rs.a.requests[0].dpop.htu, `${rs.a.url}/path/r`);
  assert.equal(rs.b.requests[0].dpop.nonce, undefined);
  assert.equal(rs.b.requests[0].dpop.htu, `${rs.b.url}/other`);
});

test('dpop: the nonce of the answer to the retry after a refresh is kept for the next call', async (t) => {
  const page = await dpopLogin(t);
  rs.a.on((req, i) => (i === 1
    ? { status: 401, json: { error: 'invalid_token' }, headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"', 'DPoP-Nonce': 'n-old' } }
    : { status: 200, json: {}, headers: { 'DPoP-Nonce': `n-new-${i}` } }));
  const before = refreshes();
  const got = await call(page, `${rs.a.url}/r`);
  assert.equal(got.status, 200);
  assert.equal(refreshes() - before, 1);
  await call(page, `${rs.a.url}/r`);
  console.log(rs.a.requests.map((r) => [r.status, r.dpop?.nonce]));
  assert.equal(rs.a.requests[2].dpop.nonce, 'n-new-2', 'the latest nonce the server sent (RFC 9449 §8.2/§9.2)');
});

test('dpop: IndexedDB failing after reload: fetch rejects crypto_unavailable (an AuthError), logout still works', async (t) => {
  const page = await dpopLogin(t);
  // Break IndexedDB for the next load only.
  await page.evaluate(() => sessionStorage.setItem('test:breakIdb', '1'));
  await page.context().addInitScript(() => {
    if (sessionStorage.getItem('test:breakIdb') === '1') {
      indexedDB.open = () => { throw new DOMException('blocked', 'UnknownError'); };
    }
  });
  await page.reload();
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  const got = await page.evaluate(async ([o, u]) => {
    const c = new window.hostile.AuthClient(o);
    window.hostile.clients.main = c;
    const auth = c.isAuthenticated();
    const r = await window.hostile.attempt(() => c.fetch(u));
    const l = await window.hostile.attempt(() => c.logout({ localOnly: true }));
    return { auth, r, l, after: c.isAuthenticated() };
  }, [world.options({ dpop: true }), `${rs.a.url}/r`]);
  console.log(JSON.stringify(got));
  assert.equal(got.r.ok, false);
  assert.equal(got.r.err.code, 'crypto_unavailable');
  assert.equal(got.l.ok, true);
  assert.equal(got.after, false);
});

test('dpop: a callback whose DPoP key IndexedDB cannot read still leaves the address bar clean', async (t) => {
  const page = await world.open(t);
  world.op.nextToken(dpopAnswer);
  const url = await page.evaluate((o) => {
    window.hostile.client('main', o);
    return window.hostile.clients.main.buildAuthorizeUrl();
  }, world.options({ dpop: true }));
  const callbackUrl = await followAuthorize(url);
  // The callback arrives in the address bar of a page whose IndexedDB fails, read by a client that has no key yet.
  const got = await page.evaluate(async ([o, u]) => {
    window.history.replaceState(null, '', u);
    indexedDB.open = () => { throw new DOMException('blocked', 'UnknownError'); };
    const c = new window.hostile.AuthClient(o);
    return window.hostile.attempt(() => c.handleRedirectCallback());
  }, [world.options({ dpop: true }), callbackUrl]);
  assertAuthError(got, 'crypto_unavailable');
  await assertScrubbed(page);
});
