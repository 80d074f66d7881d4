// The Rust SPA (examples/rust-spa) with sessions beyond one page load. In several tabs of one browser, the Rust
// API's AuthClient shares one session across the app's tabs as the npm package does (same BroadcastChannel
// messages, same Web Lock): a new tab joins with check_session(), two tabs whose access token expired send one
// refresh between them (the provider rotates refresh tokens and revokes the grant on reuse), and a logout in one tab
// reaches the other without a reload. And login_with_popup: the page stays, the popup hands the answer back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { logInThroughExample, useExample, EXAMPLES_DIR } from '../support/adoption.mjs';
import { newContext, newPage, onLoginForm, signIn } from '../support/browser.mjs';
import { sleep, waitReady } from '../support/world.mjs';

const TTL = 4; // seconds: the Rust driver refreshes with half the lifetime left
const world = useExample({ wwwDir: path.join(EXAMPLES_DIR, 'rust-spa'), setup: 'examples/rust-spa/build.sh', stack: { accessTokenTtl: TTL } });

/** A fresh browser context (closed when `t` ends) with one page of the example, started. */
async function openExample(t) {
  const context = await newContext(world.browser);
  t.after(() => context.close());
  const page = await newPage(context);
  await page.goto(`${world.stack.www.origin}/`);
  await waitReady(page);
  return { context, page };
}

const state = (page) => page.locator('#status').getAttribute('data-state');
const stored = (page) => page.evaluate(() => sessionStorage.getItem('spa-auth:spa-demo:tokens'));

/** Clicks `#call-api` in every page at one moment (a shared deadline) and waits for each answer's status. */
async function callApiTogether(pages) {
  const at = Date.now() + 300;
  await Promise.all(pages.map((p) => p.evaluate(([when]) => {
    document.getElementById('api-result').removeAttribute('data-status');
    setTimeout(() => document.getElementById('call-api').click(), when - Date.now());
  }, [at])));
  return Promise.all(pages.map(async (p) => {
    await p.locator('#api-result[data-status]').waitFor();
    return p.locator('#api-result').getAttribute('data-status');
  }));
}

test('rust-spa tabs: a new tab joins, two tabs refresh once between them, logout reaches the other tab', async (t) => {
  const { provider, www } = world.stack;
  const { context, page: a } = await openExample(t);
  await logInThroughExample(a, world.stack, 'grace');
  provider.resetCounters();

  const b = await newPage(context);
  await b.goto(`${www.origin}/`);
  await waitReady(b);
  assert.equal(await state(b), 'in', 'the new tab took the session the first one handed over');
  assert.equal(JSON.parse(await b.locator('#claims').textContent()).sub, 'grace');
  assert.equal(await stored(b), await stored(a), 'the same token set');
  assert.deepEqual(provider.counters.token, { authorization_code: 0, refresh_token: 0, other: 0 }, 'no token request');

  for (let round = 1; round <= 3; round += 1) {
    // Both tabs' access token now needs a refresh: half its lifetime left, the clock read in whole seconds.
    await sleep((TTL / 2 + 1) * 1000 + 300);
    assert.deepEqual(await callApiTogether([a, b]), ['200', '200'], `round ${round}: both API calls went through`);
    assert.equal(provider.counters.token.refresh_token, round, `round ${round}: one refresh for the two tabs`);
    assert.equal(await stored(b), await stored(a), `round ${round}: one session`);
  }
  assert.deepEqual(provider.tokenLog.filter((e) => e.status !== 200), [], 'no refresh token was refused (no reuse)');

  await b.click('#logout');
  await b.getByRole('button', { name: 'Yes, sign me out' }).click();
  await b.waitForURL((u) => u.origin === www.origin);
  await waitReady(b);
  assert.equal(await state(b), 'out');
  await a.locator('#status[data-state="out"]').waitFor({ timeout: 5000 });
  assert.equal(await stored(a), null, 'the other tab forgot its tokens without a reload');
});

test('rust-spa popup login: the page stays, the popup hands the answer back and closes, the opener redeems it', async (t) => {
  const { provider, www } = world.stack;
  const { context, page } = await openExample(t);
  await page.evaluate(() => { window.keptHere = 'half-filled form'; });
  provider.resetCounters();
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === provider.issuer);
  assert.ok(await onLoginForm(popup), 'the provider\'s login form in the popup');
  await signIn(popup, www.origin, { login: 'heidi' }).catch(() => {}); // the popup closes itself on the way back
  await page.locator('#status[data-state="in"]').waitFor({ timeout: 10000 });
  await popup.waitForEvent('close', { timeout: 5000 }).catch(() => {});
  assert.equal(popup.isClosed(), true, 'the popup closed itself');
  assert.equal(await page.evaluate(() => window.keptHere), 'half-filled form', 'the page was never left');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'heidi');
  assert.equal(provider.counters.token.authorization_code, 1, 'one code exchange, in the opener');
});

test('rust-spa: "log in with a popup" clicked again while its popup is open: one popup, one login, no error', async (t) => {
  const { provider, www } = world.stack;
  const { context, page } = await openExample(t);
  provider.resetCounters();
  const popups = [];
  context.on('page', (p) => popups.push(p));
  await page.click('#login-popup');
  await page.click('#login-popup'); // a double click, or the popup gone behind the page
  await page.waitForTimeout(300);
  assert.equal(popups.length, 1, 'the second click brought the open popup to the front');
  await popups[0].waitForURL((u) => u.origin === provider.issuer);
  await signIn(popups[0], www.origin, { login: 'ivan' }).catch(() => {}); // the popup closes itself
  await page.locator('#status[data-state="in"]').waitFor({ timeout: 10000 });
  await page.waitForTimeout(500);
  assert.equal(await page.locator('#error').getAttribute('data-code'), null, 'neither click reports an error');
  assert.equal(provider.counters.token.authorization_code, 1, 'one code exchange');
});

test('rust-spa popup login where the popup\'s BroadcastChannel cannot reach the opener: the answer comes by postMessage', async (t) => {
  const { provider, www } = world.stack;
  const { context, page } = await openExample(t);
  // As for an app in a partner site's iframe (BroadcastChannel partitioned by top-level site): in the popup (a page
  // with an opener) the channel carries nothing, and the app's own page there talks to its opener first: no answer.
  await context.addInitScript((app) => {
    if (!window.opener) return;
    BroadcastChannel.prototype.postMessage = () => {};
    if (window.location.origin === app) window.opener.postMessage('ready', app);
  }, www.origin);
  provider.resetCounters();
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === provider.issuer);
  await signIn(popup, www.origin, { login: 'ivan' }).catch(() => {}); // the popup closes itself on the way back
  await page.locator('#status[data-state="in"]').waitFor({ timeout: 10000 });
  await popup.waitForEvent('close', { timeout: 5000 }).catch(() => {});
  assert.equal(popup.isClosed(), true, 'the popup closed itself once the opener took the answer');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'ivan');
  assert.equal(provider.counters.token.authorization_code, 1, 'one code exchange, in the opener');
});

test('rust-spa popup closed by the user: popup_closed, nothing stored', async (t) => {
  const { provider } = world.stack;
  const { context, page } = await openExample(t);
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#login-popup')]);
  await popup.waitForURL((u) => u.origin === provider.issuer);
  await page.waitForTimeout(3200); // past the first seconds, when a COOP provider could cut the popup off
  await popup.close();
  await page.locator('#error[data-code]').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#error').getAttribute('data-code'), 'popup_closed');
  assert.equal(await stored(page), null, 'no tokens');
  assert.equal(await state(page), 'out');
});

test('rust-spa: a crafted link with a popup state in a tab that started no login is missing_transaction', async (t) => {
  const { provider, www } = world.stack;
  const context = await newContext(world.browser);
  t.after(() => context.close());
  const page = await newPage(context);
  provider.resetCounters();
  await page.goto(`${www.origin}/?code=attacker-code&state=popup.forged`); // the app fails to start: no waitReady
  await page.locator('#error[data-code]').waitFor({ timeout: 12000 });
  assert.equal(await page.locator('#error').getAttribute('data-code'), 'missing_transaction');
  assert.equal(page.isClosed(), false, 'the tab was not closed');
  assert.equal(provider.counters.token.authorization_code, 0, 'nothing was redeemed');
});
