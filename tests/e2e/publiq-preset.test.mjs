// AuthClient.publiq(): UiTiD v2 (Keycloak realm `uitid`) with its endpoints filled in. The real UiTiD is
// not reachable here, so these tests check the authorize URL, that nothing goes on the network before the
// redirect (no discovery), and the redirects themselves against a stub fulfilled by Playwright.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, requireWebBuild } from '../support/browser.mjs';
import { startStatic } from '../support/static.mjs';

const w = {};
const REALM = 'https://account-test.uitid.be/realms/uitid';

before(async () => {
  requireWebBuild();
  w.www = await startStatic({ config: {} });
  w.browser = await launchBrowser();
});
after(async () => {
  await w.browser?.close();
  await w.www?.close();
});

/**
 * www/publiq.html in a context that reaches 127.0.0.1 only; UiTiD hosts answered by a local stub.
 * `requests` logs every request the page makes after it is ready (aborted and stubbed ones too).
 */
async function openPage(t) {
  const context = await w.browser.newContext();
  t.after(() => context.close());
  await context.route('**/*', (route) => (
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()
  ));
  const page = await newPage(context);
  const stubbed = [];
  // Page routes take precedence over the context's: UiTiD's hosts get a stub page, nothing leaves the machine.
  await page.route(/^https:\/\/account(-test|-acc)?\.uitid\.be\//, (route) => {
    stubbed.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><h1 id="uitid-stub">UiTiD (stub)</h1>' });
  });
  await page.goto(`${w.www.origin}/publiq.html`);
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('body').getAttribute('data-ready'), 'true');
  const requests = [];
  page.on('request', (req) => requests.push({ url: req.url(), method: req.method(), type: req.resourceType() }));
  return { page, requests, stubbed };
}

const s256 = (verifier) => crypto.createHash('sha256').update(verifier).digest('base64url');

test('testing: the authorize URL at account-test.uitid.be, with UiTiD parameters, and no request at all', async (t) => {
  const { page, requests } = await openPage(t);
  const got = await page.evaluate(async () => {
    const { AuthClient } = window.spaAuth;
    const client = AuthClient.publiq({
      environment: 'testing',
      clientId: 'x',
      redirectUri: `${window.location.origin}/`,
      authorizationParams: { ui_locales: 'fr', screen: 'register' },
    });
    const url = await client.buildAuthorizeUrl();
    return { url, session: { ...sessionStorage }, isAuthenticated: client.isAuthenticated() };
  });
  assert.deepEqual(requests, [], 'no network request during construction and buildAuthorizeUrl (no discovery)');

  assert.ok(got.url.startsWith(`${REALM}/protocol/openid-connect/auth?`), got.url);
  const q = new URL(got.url).searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), 'x');
  assert.equal(q.get('redirect_uri'), `${w.www.origin}/`);
  assert.equal(q.get('scope'), 'openid email offline_access');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{16,}$/);
  assert.match(q.get('nonce') ?? '', /^[A-Za-z0-9_-]{16,}$/);
  assert.equal(q.get('ui_locales'), 'fr');
  assert.equal(q.get('screen'), 'register');
  for (const name of ['client_secret', 'audience', 'response_mode']) assert.equal(q.has(name), false, name);
  assert.equal(got.isAuthenticated, false);

  // The transaction is stored under its state, and its verifier hashes to the challenge.
  const txKey = `spa-auth:x:tx:${q.get('state')}`;
  assert.ok(txKey in got.session, `transaction under ${txKey}: ${Object.keys(got.session)}`);
  const tx = JSON.parse(got.session[txKey]);
  assert.equal(s256(tx.verifier), q.get('code_challenge'));
  assert.equal(tx.nonce, q.get('nonce'));
});

test('production and acceptance hosts; a scope can be given', async (t) => {
  const { page, requests } = await openPage(t);
  const urls = await page.evaluate(async () => {
    const { AuthClient } = window.spaAuth;
    const redirectUri = `${window.location.origin}/`;
    const build = (o) => AuthClient.publiq({ clientId: 'x', redirectUri, ...o }).buildAuthorizeUrl();
    return {
      production: await build({ environment: 'production' }),
      acceptance: await build({ environment: 'acceptance' }),
      scoped: await build({ environment: 'production', scope: 'openid profile' }),
    };
  });
  assert.deepEqual(requests, []);
  assert.ok(urls.production.startsWith('https://account.uitid.be/realms/uitid/protocol/openid-connect/auth?'), urls.production);
  assert.ok(urls.acceptance.startsWith('https://account-acc.uitid.be/realms/uitid/protocol/openid-connect/auth?'), urls.acceptance);
  assert.equal(new URL(urls.production).searchParams.get('scope'), 'openid email offline_access');
  assert.equal(new URL(urls.scoped).searchParams.get('scope'), 'openid profile');
});

test('an unknown environment, a given issuer or endpoint, or a secret is invalid_config', async (t) => {
  const { page, requests } = await openPage(t);
  const got = await page.evaluate(() => {
    const { AuthClient, AuthError } = window.spaAuth;
    const redirectUri = `${window.location.origin}/`;
    const attempt = (o) => {
      try {
        AuthClient.publiq({ clientId: 'x', redirectUri, ...o });
        return 'ok';
      } catch (e) {
        return e instanceof AuthError ? e.code : `not an AuthError: ${e}`;
      }
    };
    return {
      unknown: attempt({ environment: 'staging' }),
      missing: attempt({}),
      issuer: attempt({ environment: 'testing', issuer: 'https://account-test.uitid.be/realms/uitid' }),
      endpoint: attempt({ environment: 'testing', tokenEndpoint: 'https://evil.example/token' }),
      secret: attempt({ environment: 'testing', clientSecret: 's' }),
      good: attempt({ environment: 'testing' }),
    };
  });
  assert.deepEqual(got, {
    unknown: 'invalid_config', missing: 'invalid_config', issuer: 'invalid_config', endpoint: 'invalid_config',
    secret: 'invalid_config', good: 'ok',
  });
  assert.deepEqual(requests, []);
});

test('loginWithRedirect navigates to account-test.uitid.be (stubbed) with nothing fetched first', async (t) => {
  const { page, requests, stubbed } = await openPage(t);
  await page.evaluate(() => {
    const { AuthClient } = window.spaAuth;
    window.uitid = AuthClient.publiq({
      environment: 'testing', clientId: 'x', redirectUri: `${window.location.origin}/`,
      authorizationParams: { ui_locales: 'fr', screen: 'register' },
    });
    window.uitid.loginWithRedirect({ appState: { back: '/agenda' } }); // not awaited: the page leaves
  });
  await page.waitForURL((u) => u.hostname === 'account-test.uitid.be');
  await page.locator('#uitid-stub').waitFor();
  const url = new URL(page.url());
  assert.equal(`${url.origin}${url.pathname}`, `${REALM}/protocol/openid-connect/auth`);
  assert.equal(url.searchParams.get('client_id'), 'x');
  assert.equal(url.searchParams.get('ui_locales'), 'fr');
  assert.equal(url.searchParams.get('screen'), 'register');
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  // The only request: the navigation itself.
  assert.deepEqual(requests.map((r) => [r.method, r.type, r.url]), [['GET', 'document', page.url()]]);
  assert.deepEqual(stubbed, [page.url()]);
});

test('logout without a session goes to the realm\'s logout endpoint with post_logout_redirect_uri', async (t) => {
  const { page, requests } = await openPage(t);
  const returnTo = `${w.www.origin}/`;
  await page.evaluate((r) => {
    const { AuthClient } = window.spaAuth;
    const client = AuthClient.publiq({ environment: 'testing', clientId: 'x', redirectUri: `${window.location.origin}/` });
    client.logout({ returnTo: r }).catch((e) => { window.logoutError = e; });
  }, returnTo);
  await page.waitForURL((u) => u.hostname === 'account-test.uitid.be');
  const url = new URL(page.url());
  assert.equal(`${url.origin}${url.pathname}`, `${REALM}/protocol/openid-connect/logout`);
  assert.equal(url.searchParams.get('client_id'), 'x');
  assert.equal(url.searchParams.get('post_logout_redirect_uri'), returnTo);
  assert.equal(url.searchParams.has('id_token_hint'), false, 'no ID token to hint with');
  assert.deepEqual(requests.map((r) => r.type), ['document'], 'no revocation request without a refresh token');
});

test('logout() without returnTo comes back to the app: post_logout_redirect_uri is the redirect URI', async (t) => {
  const { page } = await openPage(t);
  const redirectUri = `${w.www.origin}/`;
  await page.evaluate((r) => {
    const { AuthClient } = window.spaAuth;
    AuthClient.publiq({ environment: 'testing', clientId: 'x', redirectUri: r }).logout().catch((e) => { window.logoutError = e; });
  }, redirectUri);
  await page.waitForURL((u) => u.hostname === 'account-test.uitid.be');
  const url = new URL(page.url());
  assert.equal(`${url.origin}${url.pathname}`, `${REALM}/protocol/openid-connect/logout`);
  assert.equal(url.searchParams.get('post_logout_redirect_uri'), redirectUri);
});
