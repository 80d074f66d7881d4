// Inputs from comparable libraries' bug reports and from a read of API.md against the code (2026-12-02): another
// service's `?code=&state=` on a page of the app, a refresh the server will only honour with the user there (Entra's
// `interaction_required`), options JSON cannot carry (NaN, Infinity, an `undefined` clientSecret), a login's own
// reserved parameter, and a popup login where the browser has no BroadcastChannel.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertAuthError, callInPage, useHostileWorld } from '../support/hostile.mjs';

const world = useHostileWorld();

test('another service\'s ?code=&state= on a page of the app is left in the address bar (auth0-react #75, #204)', async (t) => {
  const page = await world.open(t);
  const foreign = `${world.www.origin}/integrations/slack?code=SLACKCODE&state=SLACKSTATE#settings`;
  const outcome = await page.evaluate(async ([o, url]) => {
    window.hostile.client('main', o);
    await window.hostile.clients.main.buildAuthorizeUrl(); // a login of this app is pending too
    window.history.replaceState(null, '', url);
    return window.hostile.attempt(() => window.hostile.clients.main.handleRedirectCallback());
  }, [world.options(), foreign]);
  assertAuthError(outcome, 'invalid_state');
  assert.equal(await page.evaluate(() => window.location.href), foreign, 'the other flow still finds its code and state');
  assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes(':tx:')).length), 1,
    'the pending login is not spent by another service\'s answer');

  // On the redirectUri page, an answer this client cannot place is still cleaned away.
  const onRedirectPage = `${world.www.origin}/hostile.html?code=x&state=unknown&keep=1`;
  await page.evaluate((url) => window.history.replaceState(null, '', url), onRedirectPage);
  assertAuthError(await callInPage(page, 'main', 'handleRedirectCallback'), 'invalid_state');
  assert.equal(await page.evaluate(() => window.location.href), `${world.www.origin}/hostile.html?keep=1`);
});

test('a refresh answered interaction_required (Entra MFA) is login_required and the session is gone', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  world.op.nextToken(() => ({
    status: 400, json: { error: 'interaction_required', error_description: 'AADSTS50079: multi-factor authentication' },
  }));
  const sent = world.op.tokenRequests.length;
  const err = assertAuthError(await callInPage(page, 'main', 'getAccessToken', { forceRefresh: true }), 'login_required');
  assert.equal(err.error, 'interaction_required');
  assert.match(err.errorDescription, /AADSTS50079/);
  assert.equal(await page.evaluate(() => window.hostile.clients.main.isAuthenticated()), false);
  assert.equal(await page.evaluate(() => window.hostile.clients.main.getTokens()), undefined);
  assertAuthError(await callInPage(page, 'main', 'getAccessToken'), 'login_required');
  assert.equal(world.op.tokenRequests.length, sent + 1, 'the refused refresh token is not sent again');
});

test('options JSON cannot carry are refused: NaN and Infinity by name, an undefined clientSecret as a secret', async (t) => {
  const page = await world.open(t);
  const outcomes = await page.evaluate(async (o) => {
    const make = (options) => window.hostile.attempt(() => { window.hostile.client('bad', options); return 'constructed'; });
    return {
      leeway: await make({ ...o, leeway: Number.NaN }),
      timeoutMs: await make({ ...o, timeoutMs: Number.POSITIVE_INFINITY }),
      secret: await make({ ...o, clientSecret: undefined }),
      unset: await make({ ...o, scope: undefined, audience: undefined }),
    };
  }, world.options());
  assert.match(assertAuthError(outcomes.leeway, 'invalid_config').message, /`leeway` must be a finite number, got NaN/);
  assert.match(assertAuthError(outcomes.timeoutMs, 'invalid_config').message, /`timeoutMs`.*Infinity/);
  assert.match(assertAuthError(outcomes.secret, 'invalid_config').message, /secret/i);
  assert.deepEqual(outcomes.unset, { ok: true, value: 'constructed' }, 'other options left undefined take their defaults');
  await world.assertStillWorks(page, { options: world.options() });
});

test('a parameter the library sets, in a login\'s own authorizationParams, is invalid_argument', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const outcome = await callInPage(page, 'main', 'buildAuthorizeUrl', { authorizationParams: { code_challenge_method: 'plain' } });
  assert.match(assertAuthError(outcome, 'invalid_argument').message, /code_challenge_method/);
  assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes(':tx:')).length), 0);
});

test('a popup login where the browser has no BroadcastChannel (Safari 15.0-15.3) is popup_blocked, no window opened', async (t) => {
  const page = await world.open(t);
  const outcome = await page.evaluate((o) => {
    window.hostile.client('main', o);
    let opened = 0;
    window.open = () => { opened += 1; return null; };
    delete window.BroadcastChannel;
    return window.hostile.attempt(() => window.hostile.clients.main.loginWithPopup()).then((r) => ({ ...r, opened }));
  }, world.options({ tabs: 'isolated' }));
  assert.match(assertAuthError(outcome, 'popup_blocked').message, /loginWithRedirect/);
  assert.equal(outcome.opened, 0);
});

test('responseMode fragment: an error the server put in the query is the server\'s error, scrubbed (IdentityServer)', async (t) => {
  const page = await world.open(t);
  const outcome = await page.evaluate(async (o) => {
    window.hostile.client('main', o);
    const state = new URL(await window.hostile.clients.main.buildAuthorizeUrl()).searchParams.get('state');
    window.history.replaceState(null, '', `/hostile.html?error=invalid_request&error_description=bad%20scope&state=${state}#_=_`);
    return window.hostile.attempt(() => window.hostile.clients.main.handleRedirectCallback());
  }, world.options({ responseMode: 'fragment' }));
  const err = assertAuthError(outcome, 'invalid_request');
  assert.equal(err.errorDescription, 'bad scope');
  assert.equal(await page.evaluate(() => window.location.href), `${world.www.origin}/hostile.html#_=_`);
  assert.equal(world.op.tokenRequests.length, 0);
});

test('loginWithPopup({ timeoutMs: Infinity }) waits without a limit: a method\'s own number is not refused', async (t) => {
  const page = await world.open(t);
  const seen = await page.evaluate(async (o) => {
    window.hostile.client('main', o);
    const popup = { closed: false, location: { href: 'about:blank' }, close() { this.closed = true; } };
    window.open = () => popup;
    let settled = 'pending';
    window.hostile.clients.main.loginWithPopup({ timeoutMs: Infinity }).then(() => { settled = 'resolved'; }, (e) => { settled = e.code; });
    await new Promise((resolve) => { setTimeout(resolve, 500); });
    return { settled, sentTo: popup.location.href };
  }, world.options({ tabs: 'isolated' }));
  assert.equal(seen.settled, 'pending');
  assert.match(seen.sentTo, /\/authorize\?/, 'the popup was sent to the provider');
});
