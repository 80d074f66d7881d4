// Sessions across instances and storage modes, and the library's own guards: a login with storage "memory"
// completes after the redirect; two clients with one client id share one refresh; a valid session without a
// refresh token survives a forced refresh; a deeply nested answer is refused without harm.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertAuthError, callInPage, rawStored, useHostileWorld,
} from '../support/hostile.mjs';

const world = useHostileWorld();

test('storage "memory": a login by redirect completes, and the tokens stay out of sessionStorage', async (t) => {
  const page = await world.open(t);
  const { outcome } = await world.loginByRedirect(page, world.options({ storage: 'memory' }));
  assert.equal(outcome.ok, true, `the callback completes: ${JSON.stringify(outcome.err)}`);
  const issued = world.op.tokenRequests.at(-1).accessTokenIssued;
  const tokens = await page.evaluate(() => window.hostile.clients.main.getTokens());
  assert.equal(tokens?.accessToken, issued);
  assert.equal(await rawStored(page), null, 'no token set in sessionStorage');
  const keys = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth:')));
  assert.ok(!keys.some((k) => k.endsWith(':tokens')), `sessionStorage keys: ${keys}`);
});

test('two clients with one client id on a page share one refresh request and one session', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true);
  await page.evaluate((o) => window.hostile.client('twin', o), world.options());
  const before = world.op.tokenRequests.length;
  const tokens = await page.evaluate(async () => {
    const { main, twin } = window.hostile.clients;
    return Promise.all([main, twin, main, twin].map((c) => c.getAccessToken({ forceRefresh: true })));
  });
  const refreshes = world.op.tokenRequests.slice(before).filter((r) => r.grantType === 'refresh_token');
  assert.equal(refreshes.length, 1, 'exactly one refresh request for both instances');
  assert.equal(new Set(tokens).size, 1, 'every caller got the same new token');
  assert.equal(tokens[0], refreshes[0].accessTokenIssued);
  assert.equal(await page.evaluate(() => window.hostile.clients.twin.getTokens().accessToken), tokens[0]);
});

test('a valid session without a refresh token survives a forced refresh', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options({ scope: 'openid profile' }));
  world.op.nextToken(({ goodTokens }) => {
    const { refresh_token: _dropped, ...tokens } = goodTokens();
    return { status: 200, json: tokens };
  });
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const stored = await rawStored(page);
  assert.ok(stored && !JSON.parse(stored).refreshToken, 'a session without a refresh token');
  const forced = await callInPage(page, 'main', 'getAccessToken', { forceRefresh: true });
  assertAuthError(forced, 'login_required');
  assert.equal(await rawStored(page), stored, 'the still-valid session is kept');
  const ok = await callInPage(page, 'main', 'getAccessToken');
  assert.equal(ok.ok, true, 'and its access token is still handed out');
});

test('a token answer with a member nested thousands deep: the member is never walked, the answer judged on its own', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const deep = `${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}`;
  // The core reads the members it knows, one by one: an unknown member, however deep, is ignored (RFC 6749 §5.1),
  // and cannot exhaust a stack. This answer then lacks the ID token an openid login needs.
  world.op.nextToken(() => ({ status: 200, raw: `{"access_token":"a","token_type":"Bearer","extra":${deep}}`, headers: { 'content-type': 'application/json' } }));
  const { outcome } = await world.loginInPlace(page);
  assertAuthError(outcome, 'id_token_invalid', /no ID token/);
  // With the ID token, the same deep member does not stand in the way of a login.
  world.op.nextToken(({ goodTokens }) => ({
    status: 200, raw: JSON.stringify(goodTokens()).replace(/}$/, `,"extra":${deep}}`), headers: { 'content-type': 'application/json' },
  }));
  const deepOk = await world.loginInPlace(page);
  assert.equal(deepOk.outcome.ok, true, JSON.stringify(deepOk.outcome.err));
  await world.assertStillWorks(page);
});

test('fetch() with an input that is neither a URL nor a Request rejects with an AuthError', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  for (const input of ['null', 'undefined', '42']) {
    const outcome = await page.evaluate((i) => window.hostile.attempt(() => window.hostile.clients.main.fetch(eval(i))), input);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.err.isAuthError, true, `${input}: ${JSON.stringify(outcome.err)}`);
  }
});
