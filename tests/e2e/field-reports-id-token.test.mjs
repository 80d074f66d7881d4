// ID token and callback cases from other libraries' bug reports and a spec review (2026-12-01), against the
// stand-in provider: refreshed ID tokens compared with the original login (OIDC Core 12.2), `max_age` and
// `auth_time` (3.1.2.1, 3.1.3.7), `nbf` (RFC 7519 4.1.5), an error answer without `state`, and the app's own
// query parameters kept byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signJwt } from '../support/standin-op.mjs';
import {
  assertAuthError, callInPage, callbackInPlace, followAuthorize, useHostileWorld,
} from '../support/hostile.mjs';

const world = useHostileWorld();
const now = () => Math.floor(Date.now() / 1000);

/** hostile.html with the client `main` made with the stand-in's options and `extra`. */
async function open(t, extra = {}) {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options(extra));
  return page;
}

/** A token answer whose ID token has the good claims with `change` applied (a member set to undefined is left out). */
const answerWith = (change) => ({ goodTokens, goodClaims }) => {
  const body = goodTokens();
  body.id_token = signJwt({ ...goodClaims(), ...change }, world.op.key);
  return { status: 200, json: body };
};

test('a refreshed ID token may leave the nonce out and bring the original back; another nonce is refused', async (t) => {
  const page = await open(t);
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const refresh = () => callInPage(page, 'main', 'getAccessToken', { forceRefresh: true });

  world.op.nextToken(answerWith({ nonce: undefined, iat: now() + 1 }));
  const first = await refresh();
  assert.equal(first.ok, true, `no nonce: ${JSON.stringify(first.err)}`);
  world.op.nextToken(answerWith({ iat: now() + 2 }));
  const second = await refresh();
  assert.equal(second.ok, true, `the login's nonce again (Keycloak, oidc-provider): ${JSON.stringify(second.err)}`);
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getTokens())).accessToken, second.value);

  world.op.nextToken(answerWith({ nonce: 'not-the-login-nonce', iat: now() + 3 }));
  assertAuthError(await refresh(), 'id_token_invalid', /refreshed ID token/);
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getTokens())).accessToken, second.value,
    'the refused answer stored nothing');
});

test('max_age: the ID token must carry a recent enough auth_time', async (t) => {
  const page = await open(t, { authorizationParams: { max_age: '300' } });

  world.op.nextToken(answerWith({}));
  const missing = await world.loginInPlace(page);
  assertAuthError(missing.outcome, 'id_token_invalid', /auth_time/);
  assert.equal(world.op.tokenRequests.at(-1).params.max_age, undefined, 'max_age goes to the authorize request only');

  world.op.nextToken(answerWith({ auth_time: now() - 3600 }));
  assertAuthError((await world.loginInPlace(page)).outcome, 'id_token_invalid', /max_age/);
  assert.equal(await page.evaluate(() => window.hostile.clients.main.getTokens()), undefined);

  world.op.nextToken(answerWith({ auth_time: now() - 10 }));
  const fresh = await world.loginInPlace(page);
  assert.equal(fresh.outcome.ok, true, JSON.stringify(fresh.outcome.err));
});

test('an ID token whose nbf lies ahead (past the leeway) is refused', async (t) => {
  const page = await open(t);
  world.op.nextToken(answerWith({ nbf: now() + 3600 }));
  assertAuthError((await world.loginInPlace(page)).outcome, 'id_token_invalid', /nbf/);
  world.op.nextToken(answerWith({ nbf: now() + 30 }));
  const within = await world.loginInPlace(page);
  assert.equal(within.outcome.ok, true, `within the 60 s leeway: ${JSON.stringify(within.outcome.err)}`);
});

test('an error answer without state is invalid_state and still carries the server error', async (t) => {
  const page = await open(t);
  const url = `${world.www.origin}/hostile.html?error=access_denied&error_description=The+user+said+no`;
  const err = assertAuthError(await callbackInPlace(page, url), 'invalid_state', /access_denied/);
  assert.equal(err.error, 'access_denied');
  assert.equal(err.errorDescription, 'The user said no');
});

test('the app\'s own query parameters stay byte for byte after a callback, empty segments too', async (t) => {
  const page = await open(t);
  const built = await page.evaluate(() => window.hostile.clients.main.buildAuthorizeUrl());
  const back = new URL(await followAuthorize(built));
  const callback = `${back.origin}${back.pathname}?tab=2&&q=a%2Bb&${back.search.slice(1)}#section`;
  await page.evaluate((u) => window.history.replaceState(null, '', u), callback);
  const outcome = await callbackInPlace(page, callback);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const address = await page.evaluate(() => window.location.href);
  assert.equal(address, `${back.origin}${back.pathname}?tab=2&&q=a%2Bb#section`);
});

test('Entra ID multi-tenant: the issuer `{tenantid}` placeholder takes the token\'s own tid; another tid is issuer_mismatch', async (t) => {
  const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const page = await open(t, { issuer: `${world.op.issuer}/{tenantid}` });
  world.op.nextAuthorize({ iss: null }); // Entra sends no `iss` on the redirect
  world.op.nextToken(answerWith({ iss: `${world.op.issuer}/${tenant}`, tid: tenant }));
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  assert.ok(world.op.requests.some((r) => r.path === '/common/.well-known/openid-configuration'), 'metadata from `common`');
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getUser())).tid, tenant);

  const other = await open(t, { issuer: `${world.op.issuer}/{tenantid}` });
  world.op.nextAuthorize({ iss: null });
  world.op.nextToken(answerWith({ iss: `${world.op.issuer}/${tenant}`, tid: '9188040d-6c67-4c5b-b112-36a304b66dad' }));
  assertAuthError((await world.loginInPlace(other)).outcome, 'issuer_mismatch');
  assert.equal(await other.evaluate(() => window.hostile.clients.main.getTokens()), undefined, 'nothing stored');
});

test('a max_age that is not whole seconds is refused before the login leaves (it could not be enforced)', async (t) => {
  const page = await open(t);
  const outcome = await page.evaluate(() => window.hostile.attempt(
    () => window.hostile.clients.main.buildAuthorizeUrl({ authorizationParams: { max_age: '3600.0' } }),
  ));
  assertAuthError(outcome, 'invalid_argument', /max_age.*whole number of seconds/);
  const bad = await page.evaluate((o) => window.hostile.attempt(() => {
    window.hostile.client('bad', { ...o, authorizationParams: { max_age: '1e3' } });
  }), world.options());
  assertAuthError(bad, 'invalid_config', /max_age/);
});
