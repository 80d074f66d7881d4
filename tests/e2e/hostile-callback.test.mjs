// Hostile callbacks: forged, replayed, expired or orphaned state, the provider's own error, and mix-up defences
// (RFC 9207 `iss`, the discovery issuer). Each case: the app gets an AuthError with the documented code and a
// message it can act on, no code is redeemed, nothing is stored, and the same page can still log in.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CLIENT_ID, assertAuthError, assertScrubbed, callbackInPlace, rawStored, ready, useHostileWorld,
} from '../support/hostile.mjs';

const world = useHostileWorld();

/** No token request was made and no token set stored. */
async function assertNothingRedeemed(page) {
  assert.equal(world.op.tokenRequests.length, 0, 'the code is never sent to the token endpoint');
  assert.equal(await rawStored(page), null, 'no token set stored');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.getTokens()), undefined);
}

test('unknown state: a callback whose state this tab never issued is invalid_state', async (t) => {
  const page = await world.open(t);
  world.op.nextAuthorize({ state: 'forged-state-from-an-attacker' });
  const { outcome, callbackUrl } = await world.loginByRedirect(page);
  assert.equal(new URL(callbackUrl).searchParams.get('state'), 'forged-state-from-an-attacker');

  assertAuthError(outcome, 'invalid_state', /state/);
  await assertScrubbed(page);
  await assertNothingRedeemed(page);
  await world.assertStillWorks(page);
});

test('replayed state: the same callback a second time is invalid_state and the code is not redeemed twice', async (t) => {
  const page = await world.open(t);
  const { outcome, callbackUrl } = await world.loginByRedirect(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  assert.equal(world.op.tokenRequests.length, 1);
  const session = await rawStored(page);
  assert.ok(session, 'the first login stored a token set');

  const replay = await callbackInPlace(page, callbackUrl);
  assertAuthError(replay, 'invalid_state', /already used/);
  assert.equal(world.op.tokenRequests.length, 1, 'the code is not redeemed twice');
  assert.equal(await rawStored(page), session, 'the session is byte-for-byte unchanged');
  await world.assertStillWorks(page);
});

test('expired state: a login older than 10 minutes is invalid_state', async (t) => {
  const page = await world.open(t);
  const options = world.options();
  // Start the login, then age its stored transaction by 11 minutes before the browser comes back.
  const url = await page.evaluate(async (o) => {
    sessionStorage.setItem('hostile:options', JSON.stringify(o));
    window.hostile.client('main', o);
    return window.hostile.clients.main.buildAuthorizeUrl();
  }, options);
  const state = new URL(url).searchParams.get('state');
  const key = `spa-auth:${CLIENT_ID}:tx:${state}`;
  const tx = JSON.parse(await rawStored(page, key));
  assert.deepEqual(Object.keys(tx).sort(), ['appState', 'createdAt', 'issuer', 'nonce', 'redirectUri', 'verifier'],
    'the transaction has the documented fields');
  assert.ok(Math.abs(tx.createdAt - Date.now() / 1000) < 60, 'createdAt is epoch seconds');
  await page.evaluate(([k, v]) => sessionStorage.setItem(k, JSON.stringify(v)), [key, { ...tx, createdAt: tx.createdAt - 660 }]);

  await page.goto(url);
  await ready(page);
  assertAuthError(await page.evaluate(() => window.hostile.outcome), 'invalid_state', /10 minutes/);
  await assertScrubbed(page);
  await assertNothingRedeemed(page);
  assert.equal(await rawStored(page, key), null, 'the expired transaction is gone');
  await world.assertStillWorks(page);
});

test('missing transaction: a callback in a tab that started no login is missing_transaction', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => sessionStorage.setItem('hostile:options', JSON.stringify(o)), world.options());
  const forged = new URL(`${world.www.origin}/hostile.html`);
  forged.search = new URLSearchParams({ code: 'stolen-code', state: 'some-state', iss: world.op.issuer }).toString();
  await page.goto(forged.href);
  await ready(page);

  assertAuthError(await page.evaluate(() => window.hostile.outcome), 'missing_transaction', /tab/);
  await assertScrubbed(page);
  await assertNothingRedeemed(page);
  await world.assertStillWorks(page);
});

test('access_denied from the provider (error response without iss) keeps the server code and description', async (t) => {
  // errors.test.mjs covers Cancel at oidc-provider; here the error response also lacks `iss` although discovery
  // announces RFC 9207: the server's own error must still reach the app.
  const page = await world.open(t);
  world.op.nextAuthorize({ error: 'access_denied', errorDescription: 'The user cancelled at consent', iss: null });
  const { outcome } = await world.loginByRedirect(page);

  const err = assertAuthError(outcome, 'access_denied', /cancelled at consent/);
  assert.equal(err.error, 'access_denied');
  assert.equal(err.errorDescription, 'The user cancelled at consent');
  await assertScrubbed(page);
  await assertNothingRedeemed(page);
  await world.assertStillWorks(page);
});

test('an error response with an empty error parameter is server_error, not an empty code', async (t) => {
  // RFC 6749 4.1.2.1: `error` is one of the listed ASCII codes; an empty one is a malformed response, and
  // API.md promises a stable code and an actionable message on every rejection.
  const page = await world.open(t);
  world.op.nextAuthorize({ error: '' });
  const { outcome, callbackUrl } = await world.loginByRedirect(page);
  assert.equal(new URL(callbackUrl).searchParams.get('error'), '');

  assertAuthError(outcome, 'server_error');
  await assertScrubbed(page);
  await assertNothingRedeemed(page);
  await world.assertStillWorks(page);
});

test('mix-up: a callback whose iss names another server is issuer_mismatch, the code is not redeemed', async (t) => {
  const page = await world.open(t);
  world.op.nextAuthorize({ iss: 'https://attacker.example' });
  const { outcome } = await world.loginByRedirect(page);

  assertAuthError(outcome, 'issuer_mismatch', /attacker\.example/);
  await assertScrubbed(page);
  await assertNothingRedeemed(page);
  await world.assertStillWorks(page);
});

test('mix-up: discovery announces RFC 9207 iss and a success callback lacks it: issuer_mismatch', async (t) => {
  const page = await world.open(t);
  world.op.nextAuthorize({ iss: null });
  const { outcome, callbackUrl } = await world.loginByRedirect(page);
  assert.equal(new URL(callbackUrl).searchParams.has('iss'), false);

  assertAuthError(outcome, 'issuer_mismatch', /iss/);
  await assertNothingRedeemed(page);

  // Control: a server that does not announce the parameter may leave it out.
  await page.evaluate((o) => window.hostile.client('plain', o), world.options({
    discoveryUrl: `${world.op.issuer}/plain/.well-known/openid-configuration`,
  }));
  world.op.nextAuthorize({ iss: null });
  const plain = await world.loginInPlace(page, 'plain');
  assert.equal(plain.outcome.ok, true, JSON.stringify(plain.outcome.err));
  await world.assertStillWorks(page);
});

test('mix-up: a discovery document naming another issuer is issuer_mismatch before any redirect', async (t) => {
  const page = await world.open(t);
  const options = world.options({ discoveryUrl: `${world.op.issuer}/other-issuer/.well-known/openid-configuration` });
  const outcome = await page.evaluate(async (o) => {
    window.hostile.client('main', o);
    return window.hostile.attempt(() => window.hostile.clients.main.buildAuthorizeUrl());
  }, options);

  assertAuthError(outcome, 'issuer_mismatch', /someone-else/);
  const keys = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth:')));
  assert.deepEqual(keys, [], 'no transaction and no discovery cache stored');
  assert.ok(!world.op.requests.some((r) => r.path === '/authorize'), 'the browser never went to the authorize endpoint');
  // The same client keeps refusing (nothing bad was cached); a well-configured one works in the same page.
  assertAuthError(await page.evaluate(() => window.hostile.attempt(() => window.hostile.clients.main.buildAuthorizeUrl())),
    'issuer_mismatch');
  await world.assertStillWorks(page, { options: world.options() });
});
