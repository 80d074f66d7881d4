// One test file's world: the servers, a Chromium, and the steps a user takes in the demo app.
import { after, before } from 'node:test';

import {
  launchBrowser, newContext, newPage, onLoginForm, requireWebBuild, signIn,
} from './browser.mjs';
import { startStack } from './stack.mjs';

/**
 * Start servers and a browser before this file's tests, stop them after.
 * The returned object is filled in once `before` has run.
 * @param {{accessTokenTtl?: number}} [options]
 */
export function useWorld(options) {
  const world = {};
  before(async () => {
    requireWebBuild();
    world.stack = await startStack(options);
    world.browser = await launchBrowser();
  });
  after(async () => {
    await world.browser?.close();
    await world.stack?.close();
  });

  /** A fresh browser context (closed when test `t` ends) with the app loaded. */
  world.openApp = async (t) => {
    const context = await newContext(world.browser);
    t.after(() => context.close());
    const page = await newPage(context);
    await page.goto(`${world.stack.www.origin}/`);
    await waitReady(page);
    return { context, page };
  };

  /** Click a login button, sign in (and consent) at the provider, wait until the app is logged in. */
  world.logIn = async (page, { button = '#login', login = 'alice' } = {}) => {
    await page.click(button);
    await page.waitForURL((u) => u.origin === world.stack.provider.issuer);
    if (!(await onLoginForm(page))) throw new Error(`expected the provider's login form at ${page.url()}`);
    await signIn(page, world.stack.www.origin, { login });
    await waitReady(page);
    await page.locator('#status[data-state="in"]').waitFor();
  };

  /** The token set the library stored in this tab, or undefined. */
  world.storedTokens = async (page) => {
    const raw = await page.evaluate((key) => sessionStorage.getItem(key), world.stack.tokensKey);
    return raw === null ? undefined : JSON.parse(raw);
  };

  /** A direct refresh_token grant at the provider, as the browser would send it. */
  world.refreshDirect = async (refreshToken) => {
    const res = await fetch(`${world.stack.provider.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: world.stack.clientId }),
    });
    return { status: res.status, body: await res.json() };
  };

  return world;
}

/** Wait until app.js finished starting (callback handled); fail with its error if it could not. */
export async function waitReady(page) {
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  if (await page.locator('body').getAttribute('data-ready') !== 'true') {
    throw new Error(`the demo app failed to start: ${await page.locator('#error').textContent()}`);
  }
}

/** The app's current address, as the page sees it (after any history.replaceState). */
export function addressOf(page) {
  return page.evaluate(() => window.location.href);
}

/** Wait until `ms` milliseconds have passed. */
export function sleep(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}
