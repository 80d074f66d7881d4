// Browser helpers for the end-to-end tests: the system Chromium through playwright-core,
// offline except for 127.0.0.1, and the steps a person takes on oidc-provider's pages.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { PKG_DIR } from './static.mjs';

const WEB_BUILD = ['web/spa_auth.js', 'web/spa_auth_bg.wasm'];

/** Throw (so the test fails, never skips) when the lead's web build is not there. */
export function requireWebBuild() {
  const missing = WEB_BUILD.map((f) => path.join(PKG_DIR, f)).filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(`the web build is missing (${missing.join(', ')}): build the library first `
      + '(scripts/build.sh); the end-to-end tests load it in Chromium');
  }
}

/** The system Chromium; `backForwardCache`: with the back/forward cache Playwright turns off by default. */
export function launchBrowser({ backForwardCache = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    ignoreDefaultArgs: backForwardCache ? ['--disable-back-forward-cache'] : [],
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/** A fresh context that can reach 127.0.0.1 only (oidc-provider's pages import web fonts). */
export async function newContext(browser) {
  const context = await browser.newContext();
  await context.route('**/*', (route) => (
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()
  ));
  return context;
}

/** A new page whose script errors reach the test output. */
export async function newPage(context) {
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.stack ?? err}\n`));
  page.on('console', (msg) => {
    // Blocked off-host requests (the provider pages' web fonts) log ERR_FAILED: not interesting.
    if (msg.text().includes('net::ERR_FAILED')) return;
    if (msg.type() === 'error' || msg.type() === 'warning') {
      process.stderr.write(`[console.${msg.type()}] ${msg.text()}\n`);
    }
  });
  return page;
}

/** True when the page shows oidc-provider's login form. */
export async function onLoginForm(page) {
  return (await page.locator('input[name="login"]').count()) > 0;
}

/**
 * On oidc-provider's login page: type a login and password, sign in, and give consent when asked.
 * Resolves once the browser is back on `appOrigin`.
 */
export async function signIn(page, appOrigin, { login = 'alice', password = 'secret' } = {}) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  const loginUrl = page.url();
  await page.getByRole('button', { name: 'Sign-in' }).click();
  // Next stop: the app (consent already given) or a new interaction page (consent).
  await page.waitForURL((u) => u.href !== loginUrl
    && (u.origin === appOrigin || u.pathname.startsWith('/interaction/')));
  if (new URL(page.url()).origin !== appOrigin) await giveConsent(page, appOrigin);
}

/** On oidc-provider's consent page: press Continue and wait to be back on the app. */
export async function giveConsent(page, appOrigin) {
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.origin === appOrigin);
}

/** This tab's sessionStorage as a plain object. */
export function sessionStorageOf(page) {
  return page.evaluate(() => Object.fromEntries(Object.entries(sessionStorage)));
}

/** The names of the DPoP keys the page's origin keeps in IndexedDB (the library's `spa-auth-dpop` database). */
export function dpopKeysOf(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('spa-auth-dpop', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('keys');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const request = open.result.transaction('keys').objectStore('keys').getAllKeys();
      request.onsuccess = () => { open.result.close(); resolve(request.result); };
    };
  }));
}
