// Regressions from scenarios in comparable libraries' bug reports: the UiTiD preset with verifySignature (the
// realm's certs, or a refusal before any login), and fragment/query modes with a redirectUri path and query.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import { launchBrowser, newPage, requireWebBuild } from '../support/browser.mjs';
import { startStatic } from '../support/static.mjs';
import { signingKey, signJwt } from '../support/standin-op.mjs';

const w = {};
before(async () => { requireWebBuild(); w.www = await startStatic({ config: {} }); w.browser = await launchBrowser(); w.key = signingKey('kc1'); });
after(async () => { await w.browser?.close(); await w.www?.close(); });

const REALM = 'https://account-test.uitid.be/realms/uitid';

/** publiq.html with a Keycloak stand-in for account-test.uitid.be (Playwright-fulfilled). */
async function open(t) {
  const context = await w.browser.newContext();
  t.after(() => context.close());
  await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  const page = await newPage(context);
  const kc = { logins: new Map(), tokenBodies: [], requests: [] };
  await page.route(/^https:\/\/account-test\.uitid\.be\//, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    kc.requests.push(`${req.method()} ${url.pathname}`);
    const cors = { 'Access-Control-Allow-Origin': w.www.origin, 'Access-Control-Allow-Headers': '*', 'Access-Control-Allow-Methods': 'GET, POST' };
    if (req.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
    if (url.pathname.endsWith('/openid-connect/auth')) {
      const q = Object.fromEntries(url.searchParams);
      const code = crypto.randomBytes(8).toString('hex');
      kc.logins.set(code, q);
      const params = new URLSearchParams({ state: q.state, session_state: 'ss-1', iss: REALM, code }).toString();
      const back = new URL(q.redirect_uri);
      let location;
      if (q.response_mode === 'fragment') location = `${q.redirect_uri}#${params}`;
      else location = `${q.redirect_uri}${back.search ? '&' : '?'}${params}`;
      return route.fulfill({ status: 302, headers: { Location: location } });
    }
    if (url.pathname.endsWith('/openid-connect/token')) {
      const body = Object.fromEntries(new URLSearchParams(req.postData() ?? ''));
      kc.tokenBodies.push(body);
      const login = kc.logins.get(body.code) ?? {};
      const now = Math.floor(Date.now() / 1000);
      const idToken = signJwt({ iss: REALM, sub: 'u1', aud: body.client_id, azp: body.client_id, nonce: login.nonce, iat: now, exp: now + 300 }, w.key);
      return route.fulfill({ status: 200, headers: { ...cors, 'Content-Type': 'application/json' }, body: JSON.stringify({ access_token: 'at1', token_type: 'Bearer', expires_in: 300, refresh_token: 'rt1', id_token: idToken, scope: 'openid email offline_access' }) });
    }
    if (url.pathname.endsWith('/openid-connect/certs')) {
      return route.fulfill({ status: 200, headers: { ...cors, 'Content-Type': 'application/json' }, body: JSON.stringify({ keys: [w.key.jwk] }) });
    }
    if (url.pathname.endsWith('/.well-known/openid-configuration')) {
      return route.fulfill({ status: 200, headers: { ...cors, 'Content-Type': 'application/json' }, body: JSON.stringify({ issuer: REALM, jwks_uri: `${REALM}/protocol/openid-connect/certs`, authorization_endpoint: `${REALM}/protocol/openid-connect/auth`, token_endpoint: `${REALM}/protocol/openid-connect/token` }) });
    }
    return route.fulfill({ status: 404, body: 'nope' });
  });
  await page.goto(`${w.www.origin}/publiq.html`);
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
  return { page, kc };
}

async function loginRoundTrip(page, options) {
  const url = await page.evaluate(async (o) => {
    sessionStorage.setItem('test:o', JSON.stringify(o));
    return window.spaAuth.AuthClient.publiq(o).buildAuthorizeUrl();
  }, options);
  await page.goto(url);
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
  const landed = page.url();
  const got = await page.evaluate(async () => {
    const o = JSON.parse(sessionStorage.getItem('test:o'));
    const c = window.spaAuth.AuthClient.publiq(o);
    window.c = c;
    try { await c.handleRedirectCallback(); return { ok: true, auth: c.isAuthenticated(), href: location.href }; } catch (e) { return { ok: false, code: e.code, message: e.message, auth: c.isAuthenticated(), href: location.href }; }
  });
  return { landed, got };
}

test('publiq preset with verifySignature: the realm\'s JWKS (certs) is used, or the constructor refuses before any login', async (t) => {
  const { page, kc } = await open(t);
  const options = { environment: 'testing', clientId: 'pub-app', redirectUri: `${w.www.origin}/publiq.html`, verifySignature: true };
  const ctor = await page.evaluate((o) => { try { window.spaAuth.AuthClient.publiq(o); return 'constructed'; } catch (e) { return e.code; } }, options);
  if (ctor !== 'constructed') return; // refused up front: fine
  const { got } = await loginRoundTrip(page, options);
  console.log(got, kc.requests, 'code redeemed:', kc.tokenBodies.length);
  assert.equal(got.ok, true, `the login fails only after the code was redeemed: ${JSON.stringify(got)}`);
});

test('publiq preset, responseMode fragment, redirectUri with path and query: exact redirect_uri, clean address bar', async (t) => {
  const { page, kc } = await open(t);
  const redirectUri = `${w.www.origin}/publiq.html?tenant=a&x=%2F`;
  const { landed, got } = await loginRoundTrip(page, { environment: 'testing', clientId: 'pub-app', redirectUri, responseMode: 'fragment' });
  console.log(landed, got, kc.tokenBodies[0]?.redirect_uri);
  assert.equal(got.ok, true, JSON.stringify(got));
  assert.equal(kc.tokenBodies[0].redirect_uri, redirectUri);
  assert.equal(got.href, redirectUri);
});

test('publiq preset, query mode, redirectUri with a query: exact redirect_uri, app params kept', async (t) => {
  const { page, kc } = await open(t);
  const redirectUri = `${w.www.origin}/publiq.html?tenant=a`;
  const { landed, got } = await loginRoundTrip(page, { environment: 'testing', clientId: 'pub-app', redirectUri });
  console.log(landed, got, kc.tokenBodies[0]?.redirect_uri);
  assert.equal(got.ok, true, JSON.stringify(got));
  assert.equal(kc.tokenBodies[0].redirect_uri, redirectUri);
  assert.equal(got.href, redirectUri);
});
