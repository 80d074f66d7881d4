// Checks the test world itself, without the library: a hand-made PKCE code flow against the
// provider through its real pages, the protected API, and the static server. When this passes
// and another e2e test fails, the fault is in spa-auth, not in the harness.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startStack, SCOPE } from '../support/stack.mjs';
import { startStatic } from '../support/static.mjs';
import {
  giveConsent, launchBrowser, newContext, newPage, onLoginForm, signIn,
} from '../support/browser.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

let stack;
let browser;
before(async () => {
  stack = await startStack({ accessTokenTtl: 4 });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await stack?.close();
});

function authorizeRequest(extra = {}) {
  const verifier = b64url(crypto.randomBytes(32));
  const state = b64url(crypto.randomBytes(16));
  const nonce = b64url(crypto.randomBytes(16));
  const url = new URL(`${stack.provider.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: stack.clientId,
    redirect_uri: `${stack.www.origin}/`,
    response_type: 'code',
    scope: SCOPE,
    state,
    nonce,
    code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url: url.href, verifier, state, nonce };
}

async function tokenRequest(params) {
  const res = await fetch(`${stack.provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: stack.www.origin },
    body: new URLSearchParams({ client_id: stack.clientId, ...params }),
  });
  return { res, body: await res.json() };
}

test('static server: config, MIME types, no traversal', async () => {
  const pkgDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spa-auth-pkg-'));
  await fs.mkdir(path.join(pkgDir, 'web'));
  await fs.writeFile(path.join(pkgDir, 'web', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  await fs.writeFile(path.join(pkgDir, 'web', 'x.js'), 'export {};');
  const www = await startStatic({ pkgDir, config: { hello: 'world' } });
  try {
    const get = (p) => fetch(`${www.origin}${p}`);
    assert.deepEqual(await (await get('/config.json')).json(), { hello: 'world' });
    assert.match((await get('/')).headers.get('content-type'), /^text\/html/);
    assert.equal((await get('/pkg/web/x.wasm')).headers.get('content-type'), 'application/wasm');
    assert.match((await get('/pkg/web/x.js')).headers.get('content-type'), /^text\/javascript/);
    assert.match((await get('/app.js')).headers.get('content-type'), /^text\/javascript/);
    for (const p of ['/..%2f..%2fpackage.json', '/pkg/..%2f..%2fpackage.json', '/%2e%2e/package.json', '/nope']) {
      assert.equal((await get(p)).status, 404, p);
    }
  } finally {
    await www.close();
    await fs.rm(pkgDir, { recursive: true });
  }
});

test('provider: code flow with PKCE through the real pages, refresh rotation, API, logout', async (t) => {
  const { provider, api, www } = stack;
  const context = await newContext(browser);
  const page = await newPage(context);
  t.after(() => context.close());

  // Authorize: login form, sign-in, consent, back on the app with code, state and iss.
  const first = authorizeRequest();
  await page.goto(first.url);
  assert.ok(await onLoginForm(page), 'login form shown');
  await signIn(page, www.origin);
  const cb = new URL(page.url()).searchParams;
  assert.equal(cb.get('state'), first.state);
  assert.equal(cb.get('iss'), provider.issuer, 'RFC 9207 iss in the callback');
  assert.ok(cb.get('code'));

  // Code exchange as the browser would do it (CORS answered for the app's origin).
  const { res, body: tokens } = await tokenRequest({
    grant_type: 'authorization_code', code: cb.get('code'), redirect_uri: `${www.origin}/`, code_verifier: first.verifier,
  });
  assert.equal(res.status, 200, JSON.stringify(tokens));
  assert.equal(res.headers.get('access-control-allow-origin'), www.origin);
  assert.equal(tokens.token_type, 'Bearer');
  assert.equal(tokens.expires_in, 4);
  assert.ok(tokens.refresh_token, 'a refresh token on the normal login + consent flow');
  // offline_access is dropped silently (no prompt=consent in the request).
  assert.equal(tokens.scope, 'openid profile email');
  const idClaims = claimsOf(tokens.id_token);
  assert.equal(idClaims.iss, provider.issuer);
  assert.equal(idClaims.aud, stack.clientId);
  assert.equal(idClaims.nonce, first.nonce);
  assert.equal(idClaims.sub, 'alice');
  assert.equal(idClaims.name, 'Alice');
  assert.equal(idClaims.email, 'alice@example.test');
  assert.equal(provider.counters.token.authorization_code, 1);

  // The API: a valid token passes, no token and a forced 401 do not; POST bodies echo back.
  const hello = (token, init = {}) => fetch(`${api.url}/api/hello`, {
    ...init, headers: { origin: www.origin, ...(token && { authorization: `Bearer ${token}` }), ...init.headers },
  });
  let r = await hello(tokens.access_token);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), www.origin);
  assert.deepEqual(await r.json(), { ok: true, sub: 'alice', name: 'Alice', method: 'GET' });
  r = await hello(undefined);
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  api.failNext(1);
  assert.equal((await hello(tokens.access_token)).status, 401);
  r = await hello(tokens.access_token, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 1 }),
  });
  assert.deepEqual((await r.json()).received, { n: 1 });
  const preflight = await hello(undefined, {
    method: 'OPTIONS',
    headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-allow-headers'), /Authorization/);
  assert.equal(api.requests.length, 4, 'preflights are not recorded');

  // Short-lived access token: after its TTL the API refuses it.
  await new Promise((resolve) => { setTimeout(resolve, 4500); });
  assert.equal((await hello(tokens.access_token)).status, 401);

  // Refresh: a new refresh token every time (rotation), the old one is refused afterwards.
  const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  assert.ok(refreshed.body.refresh_token);
  assert.notEqual(refreshed.body.refresh_token, tokens.refresh_token);
  assert.ok(refreshed.body.id_token, 'a refresh returns a new ID token');
  const refreshedClaims = claimsOf(refreshed.body.id_token);
  for (const claim of ['iss', 'sub', 'aud', 'nonce', 'auth_time']) {
    assert.deepEqual(refreshedClaims[claim], idClaims[claim], `${claim} unchanged in the refreshed ID token`);
  }
  assert.equal((await hello(refreshed.body.access_token)).status, 200);
  assert.equal(provider.counters.token.refresh_token, 1);
  assert.deepEqual(provider.tokenLog.at(-1), {
    grantType: 'refresh_token',
    status: 200,
    dpop: false,
    tokenType: 'Bearer',
    error: undefined,
    refreshTokenSent: tokens.refresh_token,
    refreshTokenIssued: refreshed.body.refresh_token,
  });

  // Same browser session, fragment response mode: no login page, code in the fragment.
  const second = authorizeRequest({ response_mode: 'fragment' });
  await page.goto(second.url);
  await page.waitForURL((u) => u.origin === www.origin);
  const frag = new URLSearchParams(new URL(page.url()).hash.slice(1));
  assert.equal(frag.get('state'), second.state);
  assert.equal(frag.get('iss'), provider.issuer);
  assert.ok(frag.get('code'));
  assert.equal(new URL(page.url()).search, '');

  const { body: sessionTokens } = await tokenRequest({
    grant_type: 'authorization_code', code: frag.get('code'), redirect_uri: `${www.origin}/`, code_verifier: second.verifier,
  });
  assert.ok(sessionTokens.refresh_token);

  // RP-initiated logout: confirmation page, then back to the registered post-logout URI with state.
  const end = new URL(`${provider.issuer}/session/end`);
  end.search = new URLSearchParams({
    id_token_hint: tokens.id_token, client_id: stack.clientId, post_logout_redirect_uri: `${www.origin}/`, state: 'bye',
  });
  await page.goto(end.href);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  assert.equal(new URL(page.url()).searchParams.get('state'), 'bye');
  assert.equal(provider.counters.endSession, 1);
  assert.equal(provider.counters.endSessionConfirm, 1);
  // Without offline_access the refresh token is bound to the provider session: gone with it.
  const afterLogout = await tokenRequest({ grant_type: 'refresh_token', refresh_token: sessionTokens.refresh_token });
  assert.equal(afterLogout.body.error, 'invalid_grant');

  // The provider session is gone: the next authorize shows the login form again.
  await page.goto(authorizeRequest().url);
  assert.ok(await onLoginForm(page), 'login form after logout');
  await signIn(page, www.origin);
  assert.ok(new URL(page.url()).searchParams.get('code'));
});

/** Log in as `login` in a fresh context and redeem the code; resolves with the token response. */
async function freshLogin(login) {
  const context = await newContext(browser);
  try {
    const page = await newPage(context);
    const req = authorizeRequest();
    await page.goto(req.url);
    await signIn(page, stack.www.origin, { login });
    const code = new URL(page.url()).searchParams.get('code');
    const params = { grant_type: 'authorization_code', code, redirect_uri: `${stack.www.origin}/`, code_verifier: req.verifier };
    const { body } = await tokenRequest(params);
    return { tokens: body, params };
  } finally {
    await context.close();
  }
}

test('provider: reusing a rotated refresh token is invalid_grant and revokes the grant', async () => {
  const { tokens } = await freshLogin('bob');
  const { body: rotated } = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.ok(rotated.refresh_token);

  const reuse = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(reuse.res.status, 400);
  assert.deepEqual(reuse.body, { error: 'invalid_grant', error_description: 'grant request is invalid' });
  assert.equal(reuse.res.headers.get('access-control-allow-origin'), stack.www.origin, 'errors readable cross-origin');
  const next = await tokenRequest({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token });
  assert.equal(next.body.error, 'invalid_grant', 'the whole grant is revoked on reuse');
});

test('provider: revocation from the app origin ends the grant', async () => {
  const { provider, www } = stack;
  const { tokens } = await freshLogin('erin');
  provider.resetCounters();
  const revoked = await fetch(`${provider.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: www.origin },
    body: new URLSearchParams({ client_id: stack.clientId, token: tokens.refresh_token, token_type_hint: 'refresh_token' }),
  });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.headers.get('access-control-allow-origin'), www.origin);
  assert.equal(provider.counters.revocation, 1);
  const afterRevoke = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(afterRevoke.body.error, 'invalid_grant');
});

test('provider: a code is single use, and its reuse revokes the grant', async () => {
  const { tokens, params } = await freshLogin('dave');
  const again = await tokenRequest(params);
  assert.equal(again.res.status, 400);
  assert.equal(again.body.error, 'invalid_grant');
  const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(refresh.body.error, 'invalid_grant');
});

test('provider: authorize errors come back to the redirect URI with state and iss', async (t) => {
  const context = await newContext(browser);
  const page = await newPage(context);
  t.after(() => context.close());
  const req = authorizeRequest({ prompt: 'none' });
  await page.goto(req.url);
  await page.waitForURL((u) => u.origin === stack.www.origin);
  const q = new URL(page.url()).searchParams;
  assert.equal(q.get('error'), 'login_required');
  assert.equal(q.get('state'), req.state);
  assert.equal(q.get('iss'), stack.provider.issuer);
});

test('provider: the consent page lists the requested scopes', async (t) => {
  const context = await newContext(browser);
  const page = await newPage(context);
  t.after(() => context.close());
  await page.goto(authorizeRequest().url);
  await page.locator('input[name="login"]').fill('carol');
  await page.locator('input[name="password"]').fill('x');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).waitFor();
  assert.match(await page.content(), /<li>profile<\/li>/);
  await giveConsent(page, stack.www.origin);
  assert.ok(new URL(page.url()).searchParams.get('code'));
});
