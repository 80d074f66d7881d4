// Regressions from scenarios in comparable libraries' bug reports (a second hostile-input hunt): a login in one
// tab while another refreshes, and a logout and new login meanwhile, end with a usable session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchBrowser, newContext, newPage, signIn } from '../support/browser.mjs';
import { useWorld, waitReady } from '../support/world.mjs';
import { openTab, freshLogin, delay, start, outcome, sleep } from '../support/tab-races.mjs';

const world = useWorld({ accessTokenTtl: 60 });

test('login in tab B while tab A refreshes: A ends with a usable token, not login_required', async (t) => {
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const b = await openTab(world, context);
  assert.equal(await b.evaluate(() => window.spaAuth.client.isAuthenticated()), true);
  await delay(a, '/token', 4000);
  await a.evaluate(() => { window.heard = []; window.spaAuth.client.onChange((t) => window.heard.push(t?.accessToken ?? null)); });
  await start(a, 'refresh', '() => window.spaAuth.client.getAccessToken({ forceRefresh: true })');
  await sleep(300);
  await freshLogin(world, b);
  const bTokens = await b.evaluate(() => window.spaAuth.client.getTokens());
  assert.ok(bTokens, 'B logged in');
  await a.waitForFunction((at) => window.spaAuth.client.getTokens()?.accessToken === at, bTokens.accessToken, { timeout: 3000 });
  const got = await outcome(a, 'refresh');
  const aAuth = await a.evaluate(() => window.spaAuth.client.isAuthenticated());
  const heard = await a.evaluate(() => window.heard);
  console.log('A refresh outcome', got, 'A authenticated', aAuth, 'heard', heard.length);
  assert.equal(got.ok, true, `A's getAccessToken: ${JSON.stringify(got)} while isAuthenticated()=${aAuth}`);
});

test('logout in A, then a new login in A, while B refreshes: B ends with A\'s new session', async (t) => {
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const b = await openTab(world, context);
  await delay(b, '/token', 5000);
  await start(b, 'refresh', '() => window.spaAuth.client.getAccessToken({ forceRefresh: true })');
  await sleep(300);
  await a.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  await a.waitForFunction(() => !window.spaAuth.client.isAuthenticated());
  await freshLogin(world, a);
  const aTokens = await a.evaluate(() => window.spaAuth.client.getTokens());
  assert.ok(aTokens);
  const got = await outcome(b, 'refresh');
  const bAuth = await b.evaluate(() => window.spaAuth.client.isAuthenticated());
  console.log('B refresh outcome', got, 'B authenticated', bAuth);
  assert.equal(got.ok, true, `B's getAccessToken: ${JSON.stringify(got)} while isAuthenticated()=${bAuth}`);
});

test('a tab that was on another site during a logout ends its session when it comes back, and gives none back', async (t) => {
  const { context, page: a } = await world.openApp(t);
  await world.logIn(a);
  const b = await openTab(world, context);
  assert.equal(await b.evaluate(() => window.spaAuth.client.isAuthenticated()), true);
  await b.goto('about:blank'); // away: its page and channel are gone, its sessionStorage stays
  await a.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  await a.waitForFunction(() => !window.spaAuth.client.isAuthenticated());
  await b.goBack();
  await waitReady(b);
  await b.waitForFunction(() => !window.spaAuth.client.isAuthenticated(), null, { timeout: 5000 });
  assert.equal(await b.evaluate(() => window.spaAuth.client.getTokens()), undefined);
  assert.equal(await a.evaluate(() => window.spaAuth.client.isAuthenticated()), false, 'A stays logged out');
});


/** A page of the demo at `path`, logged in, in a browser with the back/forward cache on (closed when `t` ends). */
async function loggedInWithBackForwardCache(t, path) {
  const { provider, www } = world.stack;
  const browser = await launchBrowser({ backForwardCache: true });
  t.after(() => browser.close());
  const context = await newContext(browser);
  const page = await newPage(context);
  await page.goto(`${www.origin}${path}`);
  await waitReady(page);
  await page.click('#login');
  await page.waitForURL((u) => u.origin === provider.issuer);
  await signIn(page, www.origin);
  await waitReady(page);
  await page.locator('#status[data-state="in"]').waitFor();
  await page.evaluate(() => { window.beforeLeaving = true; });
  return { context, page };
}

test('a page back from the back/forward cache hears what another page of its tab did meanwhile (tabs: "isolated")', async (t) => {
  const { www } = world.stack;
  const { page } = await loggedInWithBackForwardCache(t, '/?tabs=isolated');

  // Another page of the app in this tab (the same sessionStorage, no channel between them) logs out.
  await page.goto(`${www.origin}/?page=2`);
  await waitReady(page);
  await page.evaluate(() => window.spaAuth.client.logout({ localOnly: true }));
  await page.goBack({ waitUntil: 'commit' });
  assert.equal(await page.evaluate(() => window.beforeLeaving), true, 'restored from the back/forward cache, not loaded again');
  await page.locator('#status[data-state="out"]').waitFor({ timeout: 5000 });
  assert.equal(await page.evaluate(() => window.spaAuth.client.isAuthenticated()), false);
});

test('a page back from the back/forward cache says hello to the other tabs (tabs: "shared")', async (t) => {
  const { provider, www, clientId } = world.stack;
  const { context, page } = await loggedInWithBackForwardCache(t, '/');

  // Another tab of the app listens on the app's channel; the page goes to another site and comes Back, with no
  // message on the channel meanwhile (one would evict it from Chromium's cache).
  const other = await newPage(context);
  await other.goto(`${www.origin}/style.css`); // a page of the origin that runs no client
  await other.evaluate((name) => {
    window.heard = [];
    new BroadcastChannel(name).onmessage = (event) => window.heard.push(event.data.type);
  }, `spa-auth ${provider.issuer} ${clientId}`);
  await page.goto(`${provider.issuer}/.well-known/openid-configuration`);
  await page.goBack({ waitUntil: 'commit' });
  assert.equal(await page.evaluate(() => window.beforeLeaving), true, 'restored from the back/forward cache, not loaded again');
  await other.waitForFunction(() => window.heard.includes('hello'), null, { timeout: 5000 });
  assert.deepEqual(await other.evaluate(() => window.heard), ['hello'], 'only the restored page spoke');
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'in', 'its session is still the session');
});
