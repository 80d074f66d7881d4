// The world of the hostile-input tests: the stand-in provider, the static server (www/hostile.html + pkg/), a
// Chromium, and the steps and checks those tests share.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';

import { launchBrowser, newContext, requireWebBuild } from './browser.mjs';
import { startStandinOp } from './standin-op.mjs';
import { startStatic } from './static.mjs';

export const CLIENT_ID = 'hostile-spa';

/** sessionStorage key of a client's token set (API.md: prefixed `spa-auth:` with the client id). */
export const tokensKey = (clientId = CLIENT_ID) => `spa-auth:${clientId}:tokens`;

/** Start the stand-in provider, the static server and a browser before this file's tests; stop them after. */
export function useHostileWorld() {
  const world = {};
  before(async () => {
    requireWebBuild();
    world.op = await startStandinOp();
    world.www = await startStatic({ config: {} });
    world.browser = await launchBrowser();
  });
  after(async () => {
    await world.browser?.close();
    await world.www?.close();
    await world.op?.close();
  });

  /** Client options against the stand-in, with `extra` on top. */
  world.options = (extra = {}) => ({
    issuer: world.op.issuer,
    clientId: CLIENT_ID,
    redirectUri: `${world.www.origin}/hostile.html`,
    scope: 'openid profile offline_access',
    ...extra,
  });

  /**
   * A fresh context (closed when `t` ends) with hostile.html loaded, the stand-in's logs cleared.
   * `page.messages` collects every console message ({ type, text }).
   */
  world.open = async (t, { initScript } = {}) => {
    world.op.reset();
    const context = await newContext(world.browser);
    t.after(() => context.close());
    if (initScript) await context.addInitScript(initScript);
    const page = await context.newPage();
    page.messages = [];
    page.on('console', (msg) => page.messages.push({ type: msg.type(), text: msg.text() }));
    page.on('pageerror', (err) => page.messages.push({ type: 'pageerror', text: String(err) }));
    await page.goto(`${world.www.origin}/hostile.html`);
    await ready(page);
    return page;
  };

  /**
   * A login the way an app does it: the client `main` (with `options`) builds the authorize URL, the browser goes
   * there, the stand-in redirects straight back to hostile.html, which handles the callback on load.
   * Queue the stand-in's misbehaviour first. Resolves to { outcome, callbackUrl }.
   */
  world.loginByRedirect = async (page, options = world.options()) => {
    const url = await page.evaluate(async (o) => {
      sessionStorage.setItem('hostile:options', JSON.stringify(o));
      window.hostile.client('main', o);
      return window.hostile.clients.main.buildAuthorizeUrl();
    }, options);
    const response = await page.goto(url);
    await ready(page);
    return { outcome: await page.evaluate(() => window.hostile.outcome), callbackUrl: response.url() };
  };

  /**
   * A whole login without leaving the page (so the same wasm instance must still work): client `name` builds the
   * authorize URL, the test follows the stand-in's redirect itself, and hands the callback URL to
   * `handleRedirectCallback(url)`. Resolves to { outcome, callbackUrl }.
   */
  world.loginInPlace = async (page, name = 'main') => {
    const url = await page.evaluate((n) => window.hostile.clients[n].buildAuthorizeUrl(), name);
    const callbackUrl = await followAuthorize(url);
    return { outcome: await callbackInPlace(page, callbackUrl, name), callbackUrl };
  };

  /**
   * "No panic": in this same page (no reload), client `name` (or a new one with `options`) completes a login with
   * the stand-in, and its tokens are the ones the stand-in just issued.
   */
  world.assertStillWorks = async (page, { name = 'main', options } = {}) => {
    if (options) await page.evaluate(([n, o]) => window.hostile.client(n, o), [name, options]);
    const { outcome } = await world.loginInPlace(page, name);
    assert.equal(outcome.ok, true, `a login after the failure completes: ${JSON.stringify(outcome.err)}`);
    const issued = world.op.tokenRequests.at(-1).accessTokenIssued;
    const tokens = await page.evaluate((n) => window.hostile.clients[n].getTokens(), name);
    assert.equal(tokens?.accessToken, issued, 'the new tokens are stored and readable');
  };

  return world;
}

/** Wait until hostile.js has started (and handled a callback if the page was one). */
export async function ready(page) {
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  const fatal = await page.evaluate(() => window.hostile?.fatal);
  assert.equal(fatal, undefined, `hostile.js failed to start: ${JSON.stringify(fatal)}`);
}

/** GET the authorize URL without a browser and return where the stand-in sends the browser back. */
export async function followAuthorize(url) {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302, `the stand-in redirects back (got ${res.status})`);
  return res.headers.get('location');
}

/** `clients[name].handleRedirectCallback(url)` in the page, described. */
export function callbackInPlace(page, url, name = 'main') {
  return page.evaluate(([u, n]) => window.hostile.attempt(() => window.hostile.clients[n].handleRedirectCallback(u)), [url, name]);
}

/** `clients[name][method](...args)` in the page, described ({ ok, value } or { ok: false, err }). */
export function callInPage(page, name, method, ...args) {
  return page.evaluate(
    ([n, m, a]) => window.hostile.attempt(() => window.hostile.clients[n][m](...a)),
    [name, method, args],
  );
}

/**
 * The outcome is a rejection the app can act on: an AuthError (a real Error) with `code`, and a message that says
 * what happened (matching `message`, when given).
 */
export function assertAuthError(outcome, code, message) {
  assert.equal(outcome.ok, false, `expected an AuthError ${code}, got success: ${JSON.stringify(outcome.value)}`);
  const { err } = outcome;
  assert.equal(err.isAuthError, true, `instanceof AuthError: ${JSON.stringify(err)}`);
  assert.equal(err.isError, true, 'instanceof Error');
  assert.equal(err.name, 'AuthError');
  assert.equal(err.code, code, `code (message: ${err.message})`);
  assert.ok(typeof err.message === 'string' && err.message.length >= 20, `an actionable message: ${err.message}`);
  assert.doesNotMatch(err.message, /panicked|unreachable|RuntimeError/i, 'not a crash report');
  if (message) assert.match(err.message, message);
  return err;
}

/** The raw text stored under `key` in the page's sessionStorage (null when absent). */
export function rawStored(page, key = tokensKey()) {
  return page.evaluate((k) => sessionStorage.getItem(k), key);
}

/** The page's address bar carries no callback parameters. */
export async function assertScrubbed(page) {
  const address = new URL(await page.evaluate(() => window.location.href));
  for (const p of ['code', 'state', 'iss', 'error', 'error_description']) {
    assert.ok(!address.searchParams.has(p), `${p} scrubbed from ${address}`);
  }
}
