// Hostile token endpoints and ID tokens: every bad answer to the code exchange is an AuthError with the documented
// code, the code was sent exactly once, nothing is stored, the used state cannot be replayed, and the same page can
// still log in afterwards (the wasm module did not panic).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { closedPort, craftJwt } from '../support/standin-op.mjs';
import {
  assertAuthError, assertScrubbed, callbackInPlace, rawStored, useHostileWorld,
} from '../support/hostile.mjs';

const world = useHostileWorld();

/**
 * One login by redirect whose token request gets `answer` (see standin-op.mjs nextToken; an array queues several);
 * asserts nothing was stored and the spent state cannot be replayed. Returns the outcome and the page.
 */
async function loginAgainst(t, answer, { options, route } = {}) {
  const page = await world.open(t);
  if (route) await route(page);
  for (const a of [answer].flat()) if (a) world.op.nextToken(a);
  const { outcome, callbackUrl } = await world.loginByRedirect(page, options);
  await assertScrubbed(page);
  assert.equal(await rawStored(page), null, 'no token set stored');
  assert.equal(await page.evaluate(() => window.hostile.clients.main.getTokens()), undefined);
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isAuthenticated()), false);
  const sent = world.op.tokenRequests.length;
  assertAuthError(await callbackInPlace(page, callbackUrl), 'invalid_state');
  assert.equal(world.op.tokenRequests.length, sent, 'the spent state is not redeemed again');
  return { page, outcome };
}

/** The token request was made exactly once, as an authorization_code grant. */
function assertRedeemedOnce() {
  assert.equal(world.op.tokenRequests.length, 1);
  assert.equal(world.op.tokenRequests[0].grantType, 'authorization_code');
}

// ---- the token endpoint's answer -----------------------------------------------------------------------------

test('token endpoint: 400 invalid_grant reaches the app as invalid_grant with the server words', async (t) => {
  const { page, outcome } = await loginAgainst(t, () => ({
    status: 400, json: { error: 'invalid_grant', error_description: 'authorization code expired' },
  }));
  const err = assertAuthError(outcome, 'invalid_grant', /authorization code expired/);
  assert.equal(err.error, 'invalid_grant');
  assert.equal(err.errorDescription, 'authorization code expired');
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('token endpoint: an empty OAuth error ({"error":""}) is server_error, not an empty code', async (t) => {
  // RFC 6749 5.2: `error` is one of the listed ASCII codes; an empty one is a malformed answer.
  const { page, outcome } = await loginAgainst(t, () => ({ status: 400, json: { error: '' } }));
  assertAuthError(outcome, 'server_error');
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('token endpoint: a 307 redirect is not followed with the code and verifier (server_error, nothing sent on)', async (t) => {
  const elsewhere = `${world.op.issuer}/elsewhere/token`;
  const { outcome } = await loginAgainst(t, () => ({ status: 307, raw: '', headers: { Location: elsewhere } }));
  assertAuthError(outcome, 'server_error', /redirect/);
  assertRedeemedOnce();
  assert.equal(world.op.requests.filter((r) => r.path === '/elsewhere/token').length, 0, 'the code went nowhere else');
});

test('token endpoint: HTTP 500 is server_error', async (t) => {
  const { page, outcome } = await loginAgainst(t, () => ({ status: 500, json: { message: 'database on fire' } }));
  assertAuthError(outcome, 'server_error', /500/);
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('token endpoint: an HTML page is server_error', async (t) => {
  const { page, outcome } = await loginAgainst(t, () => ({
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    raw: '<!doctype html><html><body><h1>Please sign in to the corporate proxy</h1></body></html>',
  }));
  assertAuthError(outcome, 'server_error', /token endpoint/);
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('token endpoint: truncated JSON is server_error', async (t) => {
  const { page, outcome } = await loginAgainst(t, () => ({
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    raw: '{"access_token":"at-truncated","token_type":"Bea',
  }));
  assertAuthError(outcome, 'server_error', /token endpoint/);
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('token endpoint: an answer without access_token is server_error', async (t) => {
  const { page, outcome } = await loginAgainst(t, ({ goodTokens }) => {
    const { access_token: _dropped, ...rest } = goodTokens();
    return { status: 200, json: rest };
  });
  assertAuthError(outcome, 'server_error', /access_token/);
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('token endpoint: an unknown token_type ("mac") is server_error', async (t) => {
  const { page, outcome } = await loginAgainst(t, ({ goodTokens }) => ({
    status: 200, json: { ...goodTokens(), token_type: 'mac' },
  }));
  assertAuthError(outcome, 'server_error', /mac/);
  assertRedeemedOnce();
  await world.assertStillWorks(page);
});

test('network down: a token endpoint on a closed port is network_error', async (t) => {
  const port = await closedPort();
  const { page, outcome } = await loginAgainst(t, undefined, {
    options: world.options({
      authorizationEndpoint: `${world.op.issuer}/authorize`,
      tokenEndpoint: `http://127.0.0.1:${port}/token`,
    }),
  });
  assertAuthError(outcome, 'network_error', new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.equal(world.op.tokenRequests.length, 0);
  await world.assertStillWorks(page, { options: world.options() });
});

test('network down: the token request aborted in the browser is network_error', async (t) => {
  let aborted = 0;
  const { page, outcome } = await loginAgainst(t, undefined, {
    route: (p) => p.route(`${world.op.issuer}/token`, (route) => {
      aborted += 1;
      return route.abort('internetdisconnected');
    }),
  });
  assertAuthError(outcome, 'network_error', /reach/);
  assert.equal(aborted, 1);
  assert.equal(world.op.tokenRequests.length, 0);
  await page.unroute(`${world.op.issuer}/token`);
  await world.assertStillWorks(page);
});

test('network: the connection dropped before an answer is network_error', async (t) => {
  // Chromium itself may retry a request once when a reused keep-alive connection drops, so drop twice.
  const drop = () => ({ destroy: true });
  const { page, outcome } = await loginAgainst(t, [drop, drop]);
  assertAuthError(outcome, 'network_error');
  const sent = world.op.tokenRequests.length;
  assert.ok(sent >= 1 && sent <= 2, `one request from the library (and at most one browser retry), got ${sent}`);
  world.op.reset(); // forget an unused drop
  await world.assertStillWorks(page);
});

// ---- the ID token ---------------------------------------------------------------------------------------------

/** A good token answer whose ID token claims are changed by `edit(claims)` (or replaced by `idToken`). */
const withIdToken = (edit) => ({ goodTokens, goodClaims }) => {
  const claims = goodClaims();
  const idToken = typeof edit === 'function' ? craftJwt(edit(claims) ?? claims) : edit;
  return { status: 200, json: { ...goodTokens(), id_token: idToken } };
};

const ID_TOKEN_CASES = [
  ['a wrong nonce', 'id_token_invalid', /nonce/, withIdToken((c) => ({ ...c, nonce: 'nonce-of-another-login' }))],
  ['a wrong aud', 'id_token_invalid', /aud/, withIdToken((c) => ({ ...c, aud: 'another-client', azp: undefined }))],
  ['a wrong azp', 'id_token_invalid', /azp/, withIdToken((c) => ({ ...c, aud: [c.aud, 'another-client'], azp: 'another-client' }))],
  ['a wrong iss', 'issuer_mismatch', /attacker\.example/, withIdToken((c) => ({ ...c, iss: 'https://attacker.example' }))],
  ['an expired one', 'id_token_invalid', /expired/, withIdToken((c) => ({ ...c, iat: c.iat - 7200, exp: c.iat - 3600 }))],
  ['alg none', 'id_token_invalid', /none/, ({ goodTokens, goodClaims }) => ({
    status: 200, json: { ...goodTokens(), id_token: `${craftJwt(goodClaims(), { alg: 'none' }).split('.').slice(0, 2).join('.')}.` },
  })],
  ['not a JWT', 'id_token_invalid', /JWT/, withIdToken('this-is-not-a-jwt')],
  ['a payload that is a JSON array, not a claims object', 'id_token_invalid', /payload|claims/,
    withIdToken((c) => [c.iss, c.sub, c.aud, c.azp, c.nonce, c.exp, c.iat])],
];

for (const [what, code, message, answer] of ID_TOKEN_CASES) {
  test(`ID token with ${what} is ${code}`, async (t) => {
    const { page, outcome } = await loginAgainst(t, answer);
    assertAuthError(outcome, code, message);
    assertRedeemedOnce();
    assert.equal(await page.evaluate(() => window.hostile.clients.main.getUser()), undefined);
    await world.assertStillWorks(page);
  });
}

test('an Auth0 organization login whose ID token is for another organization (or none) is id_token_invalid', async (t) => {
  // The user can take `organization` out of the authorization URL: the ID token's org_id must name it (auth0-spa-js).
  const options = { ...world.options(), authorizationParams: { organization: 'org_abc' } };
  for (const [claims, message] of [[{ org_id: 'org_other' }, /org_abc.*`org_id`/], [{}, /org_abc.*`org_id`/]]) {
    const { page, outcome } = await loginAgainst(t, withIdToken((c) => ({ ...c, ...claims })), { options });
    assertAuthError(outcome, 'id_token_invalid', message);
    assertRedeemedOnce();
    await world.assertStillWorks(page, { options: world.options() });
  }
});
