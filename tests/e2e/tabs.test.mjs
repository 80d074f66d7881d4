// One session across an app's tabs (issue 12), several pages of one browser context against the real provider
// (rotating refresh tokens, reuse revokes the grant): a new tab joins, logout reaches every tab, a duplicated tab
// never sends a refresh token twice, and one refresh serves every tab.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newPage } from '../support/browser.mjs';
import { sleep, useWorld, waitReady } from '../support/world.mjs';

const TTL = 6; // seconds
const world = useWorld({ accessTokenTtl: TTL });

/** A new tab of the demo in `context` (the demo calls checkSession() at start). */
async function openTab(context, query = '') {
  const tab = await newPage(context);
  await tab.goto(`${world.stack.www.origin}/${query}`);
  await waitReady(tab);
  return tab;
}

const tokensOf = (page) => page.evaluate(() => window.spaAuth.client.getTokens());
const state = (page) => page.locator('#status').getAttribute('data-state');

/** Calls getAccessToken in every page at the same moment (a shared deadline), resolving to their tokens. */
function together(pages, options) {
  const at = Date.now() + 300;
  return Promise.all(pages.map((p) => p.evaluate(([when, o]) => new Promise((resolve) => {
    setTimeout(resolve, when - Date.now());
  }).then(() => window.spaAuth.client.getAccessToken(o)), [at, options])));
}

test('a new tab joins the session with checkSession(); with tabs: "isolated" it does not', async (t) => {
  const { provider } = world.stack;
  const { context, page } = await world.openApp(t);
  await world.logIn(page);
  const first = await tokensOf(page);
  provider.resetCounters();

  const joined = await openTab(context);
  assert.equal(await state(joined), 'in', 'the demo shows the new tab logged in');
  assert.deepEqual(await tokensOf(joined), first, 'the same session, no login');
  assert.deepEqual(provider.counters.token, { authorization_code: 0, refresh_token: 0, other: 0 }, 'no request');
  assert.equal(await joined.evaluate(() => window.spaAuth.client.checkSession()), true);

  const isolated = await openTab(context, '?tabs=isolated');
  assert.equal(await state(isolated), 'out');
  assert.equal(await isolated.evaluate(() => window.spaAuth.client.checkSession({ tabWaitMs: 200 })), false);
  // Another browser profile has no tab to ask.
  const other = await world.openApp(t);
  assert.equal(await state(other.page), 'out');
});

test('logout in tab A: tab B forgets its tokens and its listener hears undefined, without a reload', async (t) => {
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const b = await openTab(context);
  assert.equal(await state(b), 'in');
  await b.evaluate(() => {
    window.heard = [];
    window.spaAuth.client.onChange((tokens) => window.heard.push(tokens === undefined ? 'undefined' : 'tokens'));
  });

  await a.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  await b.waitForFunction(() => window.heard.includes('undefined'));
  assert.equal(await b.evaluate(() => window.spaAuth.client.getTokens()), undefined);
  assert.equal(await b.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
  assert.equal(await state(b), 'out', 'the demo in tab B shows it at once');
  assert.equal(await b.evaluate(() => Object.keys(sessionStorage).some((k) => k.endsWith(':tokens'))), false);

  // Nobody hands the session back to the tab that logged out.
  const stale = await a.evaluate(() => window.spaAuth.client.checkSession({ tabWaitMs: 200 }));
  assert.equal(stale, false);
});

test('duplicated tab (window.open copies sessionStorage): one refresh_token grant for both, the grant stays alive', async (t) => {
  const { provider } = world.stack;
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const [b] = await Promise.all([
    context.waitForEvent('page'),
    a.evaluate(() => { window.open(window.location.href); }),
  ]);
  await waitReady(b);
  assert.deepEqual(await tokensOf(b), await tokensOf(a), 'the duplicate holds the same session (and refresh token)');

  await sleep((TTL + 0.5) * 1000);
  provider.resetCounters();
  const [ta, tb] = await together([a, b]);
  assert.equal(provider.counters.token.refresh_token, 1, 'exactly one refresh_token grant');
  assert.equal(ta, tb, 'both tabs end with the same new token');
  const stored = await world.storedTokens(a);
  assert.deepEqual(await world.storedTokens(b), stored);
  // The grant is alive: the latest refresh token is accepted (no reuse was detected).
  const alive = await world.refreshDirect(stored.refreshToken);
  assert.equal(alive.status, 200, JSON.stringify(alive.body));
});

test('three tabs refreshing together, ten rounds: one token request per round', async (t) => {
  const { provider } = world.stack;
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const tabs = [a, await openTab(context), await openTab(context)];
  provider.resetCounters();
  for (let round = 1; round <= 10; round += 1) {
    const tokens = await together(tabs, { forceRefresh: true });
    assert.equal(new Set(tokens).size, 1, `round ${round}: one token for every tab`);
    assert.equal(provider.counters.token.refresh_token, round, `round ${round}: requests = rounds`);
  }
  assert.equal(await tabs[2].locator('#status').getAttribute('data-state'), 'in');
});

test('a tab closed in the middle of its refresh (lock held) does not block the others', async (t) => {
  const { provider } = world.stack;
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const b = await openTab(context);
  // Tab A's refresh never leaves the page and never gets an answer: it holds the lock until the tab goes away.
  await a.evaluate(() => {
    const send = window.fetch;
    window.fetch = (url, init) => (String(url).endsWith('/token') ? new Promise(() => {}) : send(url, init));
  });
  provider.resetCounters();
  await a.evaluate(() => { window.spaAuth.client.getAccessToken({ forceRefresh: true }).catch(() => {}); });
  await sleep(300);
  const waiting = b.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  await sleep(300);
  const closedAt = Date.now();
  await a.close();
  const token = await waiting;
  assert.ok(Date.now() - closedAt < 3000, `tab B went on ${Date.now() - closedAt} ms after tab A closed`);
  assert.equal(token, (await world.storedTokens(b)).accessToken);
  assert.equal(provider.counters.token.refresh_token, 1, 'tab B refreshed once');
});

test('a tab back with an old copy of the session (restored, reopened) takes the newer one instead of spending its refresh token', async (t) => {
  const { provider } = world.stack;
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const old = await a.evaluate(() => Object.entries(sessionStorage).filter(([k]) => k.startsWith('spa-auth:')));
  const c = await openTab(context);
  await a.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true })); // rotates the refresh token
  const current = await tokensOf(a);
  provider.resetCounters();
  // Tab C gets its old copy back (as a tab restored from the disk cache or reopened would have it), and its app
  // refreshes at once, before the other tabs could answer its client's "hello". Without Web Locks (Safari before
  // 15.4) nothing else delays the refresh past their answers.
  const token = await c.evaluate((entries) => {
    for (const [key, text] of entries) sessionStorage.setItem(key, text);
    Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined, configurable: true });
    const { AuthClient, options } = window.spaAuth;
    return new AuthClient(options).getAccessToken({ forceRefresh: true });
  }, old);
  assert.equal(provider.counters.token.refresh_token, 0, 'the spent refresh token was not sent');
  assert.equal(token, current.accessToken, 'tab A\'s session taken');
  const alive = await world.refreshDirect((await world.storedTokens(a)).refreshToken);
  assert.equal(alive.status, 200, `the grant is alive (no reuse detected): ${JSON.stringify(alive.body)}`);
});
