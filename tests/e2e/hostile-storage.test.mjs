// Storage that fails, and "nothing is lost": sessionStorage disabled or full falls back to memory with one
// warning; failed callbacks and refreshes leave a stored session byte-for-byte as it was (a refresh refused by the
// clock alone keeps the refresh token it rotated, and only that); two clients on one page never see each other's
// tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { craftJwt } from '../support/standin-op.mjs';
import {
  assertAuthError, callInPage, callbackInPlace, followAuthorize, rawStored, tokensKey, useHostileWorld,
} from '../support/hostile.mjs';

const world = useHostileWorld();

/** Console messages from the library (API.md: prefixed "spa-auth:"). */
const libraryMessages = (page) => page.messages.filter((m) => m.text.startsWith('spa-auth:'));

/** Log in client `name` in place and return the stored tokens' raw text (asserting the login worked). */
async function logInStored(page, name = 'main', key = tokensKey()) {
  const { outcome, callbackUrl } = await world.loginInPlace(page, name);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const raw = await rawStored(page, key);
  assert.ok(raw, `a token set is stored under ${key}`);
  return { raw, callbackUrl };
}

/** Count the onChange notifications of client `name` in `window.changes[name]`. */
function countChanges(page, name = 'main') {
  return page.evaluate((n) => {
    window.changes = window.changes ?? {};
    window.changes[n] = 0;
    window.hostile.clients[n].onChange(() => { window.changes[n] += 1; });
  }, name);
}
const changes = (page, name = 'main') => page.evaluate((n) => window.changes[n], name);

/** Exactly one "spa-auth:" console message, a warning about sessionStorage; no token in the console or localStorage. */
async function assertOneWarning(page, issued) {
  const warnings = libraryMessages(page);
  assert.equal(warnings.length, 1, `one spa-auth console message: ${JSON.stringify(page.messages)}`);
  assert.equal(warnings[0].type, 'warning');
  assert.match(warnings[0].text, /sessionStorage/);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing went to localStorage instead');
  if (issued) assert.ok(!page.messages.some((m) => m.text.includes(issued)), 'no token in the console');
}

test('sessionStorage disabled: a login is refused before leaving the page (storage_unavailable), one warning', async (t) => {
  const page = await world.open(t, {
    initScript: () => {
      Object.defineProperty(window, 'sessionStorage', {
        configurable: true,
        get() { throw new DOMException('Access is denied for this document.', 'SecurityError'); },
      });
    },
  });
  assert.equal(await page.evaluate(() => { try { return typeof sessionStorage; } catch (e) { return e.name; } }), 'SecurityError');
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  // API.md: a login that would fail on its way back is never started.
  assertAuthError(await callInPage(page, 'main', 'buildAuthorizeUrl'), 'storage_unavailable', /sessionStorage/);
  assertAuthError(await callInPage(page, 'main', 'loginWithRedirect'), 'storage_unavailable');
  assert.equal(world.op.requests.filter((r) => r.path === '/authorize').length, 0, 'the provider saw no login');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isAuthenticated()), false);
  await page.evaluate((o) => window.hostile.client('second', o), world.options({ clientId: 'hostile-second' }));
  await assertOneWarning(page);
});

test('sessionStorage full (QuotaExceededError) after a login: tokens move to memory with one warning, a refresh still works', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  await page.evaluate(() => {
    Storage.prototype.setItem = function setItem() {
      throw new DOMException("Failed to execute 'setItem' on 'Storage': the quota has been exceeded.", 'QuotaExceededError');
    };
  });
  const refreshed = await callInPage(page, 'main', 'getAccessToken', { forceRefresh: true });
  const issued = world.op.tokenRequests.at(-1).accessTokenIssued;
  assert.deepEqual(refreshed, { ok: true, value: issued }, 'the refresh worked and its token is served');
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getTokens()))?.accessToken, issued);
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isAuthenticated()), true);
  assert.deepEqual(await callInPage(page, 'main', 'getAccessToken'), { ok: true, value: issued });
  const stored = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth:hostile-spa:')));
  assert.deepEqual(stored, [], 'this client\'s keys moved out of sessionStorage (memory is the truth now)');
  // A new login could not be kept for the way back: refused before leaving the page.
  assertAuthError(await callInPage(page, 'main', 'loginWithRedirect'), 'storage_unavailable');
  await page.evaluate((o) => window.hostile.client('second', o), world.options({ clientId: 'hostile-second' }));
  await assertOneWarning(page, issued);
});

test('nothing lost: failed callbacks leave the stored session byte-for-byte unchanged', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { raw, callbackUrl } = await logInStored(page);
  await countChanges(page);

  // A second login whose code exchange answers 500.
  world.op.nextToken(() => ({ status: 500, raw: 'Internal Server Error' }));
  assertAuthError((await world.loginInPlace(page)).outcome, 'server_error');
  assert.equal(await rawStored(page), raw);

  // A second login whose ID token is for another login (wrong nonce).
  world.op.nextToken(({ goodTokens, goodClaims }) => ({
    status: 200, json: { ...goodTokens(), id_token: craftJwt({ ...goodClaims(), nonce: 'not-this-one' }) },
  }));
  assertAuthError((await world.loginInPlace(page)).outcome, 'id_token_invalid');
  assert.equal(await rawStored(page), raw);

  // The first callback replayed.
  assertAuthError(await callbackInPlace(page, callbackUrl), 'invalid_state');
  assert.equal(await rawStored(page), raw, 'the stored token set is byte-for-byte unchanged');
  assert.equal(await changes(page), 0, 'no onChange for failures');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isAuthenticated()), true);
  assert.equal((await callInPage(page, 'main', 'getAccessToken')).value, JSON.parse(raw).accessToken);
});

test('nothing lost: failed refreshes leave the stored session byte-for-byte unchanged', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { raw } = await logInStored(page);
  await countChanges(page);
  const forceRefresh = () => callInPage(page, 'main', 'getAccessToken', { forceRefresh: true });

  world.op.nextToken(() => ({ status: 500, json: { message: 'down for maintenance' } }));
  assertAuthError(await forceRefresh(), 'server_error', /500/);
  assert.equal(await rawStored(page), raw, 'unchanged after a 500');

  world.op.nextToken(() => ({ status: 200, headers: { 'Content-Type': 'application/json' }, raw: '{"access_token":' }));
  assertAuthError(await forceRefresh(), 'server_error');
  assert.equal(await rawStored(page), raw, 'unchanged after truncated JSON');

  world.op.nextToken(({ goodTokens, goodClaims }) => ({
    status: 200, json: { ...goodTokens(), id_token: craftJwt(goodClaims('mallory')) },
  }));
  assertAuthError(await forceRefresh(), 'id_token_invalid', /another subject/);
  assert.equal(await rawStored(page), raw, 'unchanged after an ID token for another subject');

  assert.equal(world.op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length, 3);
  assert.equal(await changes(page), 0, 'no onChange for failures');
  assert.equal((await callInPage(page, 'main', 'getAccessToken')).value, JSON.parse(raw).accessToken,
    'the old access token is still served');

  // Control: a good refresh does replace the stored set.
  const good = await forceRefresh();
  assert.equal(good.value, world.op.tokenRequests.at(-1).accessTokenIssued);
  assert.notEqual(await rawStored(page), raw);
  assert.equal(await changes(page), 1);
});

test('a refreshed ID token refused by the clock alone keeps the rotated refresh token, so no spent one is sent again', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { raw } = await logInStored(page);
  await countChanges(page);
  const forceRefresh = () => callInPage(page, 'main', 'getAccessToken', { forceRefresh: true });
  const sentRefreshTokens = () => world.op.tokenRequests.filter((r) => r.grantType === 'refresh_token').map((r) => r.params.refresh_token);

  // A server node whose clock is an hour ahead: the ID token was issued in the future.
  let rotated;
  world.op.nextToken(({ goodTokens, goodClaims }) => {
    const answer = goodTokens();
    rotated = answer.refresh_token;
    const claims = goodClaims();
    return { status: 200, json: { ...answer, id_token: craftJwt({ ...claims, iat: claims.iat + 3600, exp: claims.exp + 3600 }) } };
  });
  assertAuthError(await forceRefresh(), 'id_token_invalid', /issued in the future/);
  const kept = JSON.parse(await rawStored(page));
  assert.equal(kept.refreshToken, rotated, 'the rotated refresh token is kept');
  assert.equal(kept.accessToken, JSON.parse(raw).accessToken, 'nothing else of the answer is taken');
  assert.equal(await changes(page), 1, 'the listeners hear of the changed session');

  // The next refresh sends the rotated one and succeeds.
  const good = await forceRefresh();
  assert.equal(good.value, world.op.tokenRequests.at(-1).accessTokenIssued);
  assert.deepEqual(sentRefreshTokens(), [JSON.parse(raw).refreshToken, rotated]);
});

test('two clients with different clientIds on one page never see each other\'s tokens', async (t) => {
  const page = await world.open(t);
  const [A, B] = ['hostile-a', 'hostile-b'];
  await page.evaluate(([a, b]) => {
    window.hostile.client('a', a);
    window.hostile.client('b', b);
  }, [world.options({ clientId: A }), world.options({ clientId: B })]);
  const a = await logInStored(page, 'a', tokensKey(A));
  const b = await logInStored(page, 'b', tokensKey(B));
  await countChanges(page, 'b');

  const view = (name) => page.evaluate((n) => ({
    tokens: window.hostile.clients[n].getTokens(), user: window.hostile.clients[n].getUser(),
  }), name);
  const [va, vb] = [await view('a'), await view('b')];
  assert.equal(va.tokens.accessToken, JSON.parse(a.raw).accessToken);
  assert.equal(vb.tokens.accessToken, JSON.parse(b.raw).accessToken);
  assert.notEqual(va.tokens.accessToken, vb.tokens.accessToken);
  assert.equal(va.user.aud, A);
  assert.equal(vb.user.aud, B);
  for (const [raw, other] of [[a.raw, vb.tokens], [b.raw, va.tokens]]) {
    assert.ok(!raw.includes(other.accessToken) && !raw.includes(other.idToken), 'no token under the other client\'s key');
  }

  // A's login in progress: B cannot complete it (it started none), and B's attempt does not spend A's state.
  const url = await page.evaluate(() => window.hostile.clients.a.buildAuthorizeUrl());
  const callbackUrl = await followAuthorize(url);
  assertAuthError(await callbackInPlace(page, callbackUrl, 'b'), 'missing_transaction');
  assert.equal((await callbackInPlace(page, callbackUrl, 'a')).ok, true, 'A completes its own login');

  // A refreshes and logs out; B's session is untouched throughout.
  assert.equal((await callInPage(page, 'a', 'getAccessToken', { forceRefresh: true })).ok, true);
  assert.equal((await callInPage(page, 'a', 'logout', { localOnly: true })).ok, true);
  assert.equal(await rawStored(page, tokensKey(A)), null, 'A logged out');
  assert.equal(await rawStored(page, tokensKey(B)), b.raw, 'B byte-for-byte unchanged');
  assert.equal((await view('b')).tokens.accessToken, vb.tokens.accessToken);
  assert.equal(await page.evaluate(() => window.hostile.clients.b.isAuthenticated()), true);
  assert.equal(await changes(page, 'b'), 0, 'B heard nothing of A\'s login, refresh and logout');
});
