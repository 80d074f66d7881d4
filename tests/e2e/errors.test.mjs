// Failed callbacks: shown in the app's error area with the AuthError code, the address bar is
// still scrubbed, and an existing session is left exactly as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { giveConsent, newPage, onLoginForm, signIn } from '../support/browser.mjs';
import { addressOf, useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();

const errorCode = (page) => page.locator('#error').getAttribute('data-code');

function assertScrubbed(address) {
  const u = new URL(address);
  for (const p of ['code', 'state', 'iss', 'error', 'error_description']) {
    assert.ok(!u.searchParams.has(p), `${p} scrubbed from ${address}`);
  }
}

test('cancel at the provider: access_denied reaches the error area', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  await page.click('#login');
  await page.waitForURL((u) => u.origin === provider.issuer);
  await page.getByRole('link', { name: '[ Cancel ]' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);

  assert.equal(await errorCode(page), 'access_denied');
  assert.match(await page.locator('#error').textContent(), /^access_denied: ./);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  assertScrubbed(await addressOf(page));
  assert.equal(provider.counters.token.authorization_code, 0);
});

test('a replayed callback is refused and leaves the session alone', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  const callbacks = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && new URL(frame.url()).searchParams.has('code')) callbacks.push(frame.url());
  });
  await world.logIn(page, { login: 'judy' });
  assert.equal(callbacks.length, 1);
  const session = await world.storedTokens(page);
  provider.resetCounters();

  await page.goto(callbacks[0]);
  await waitReady(page);
  assert.ok(['invalid_state', 'missing_transaction'].includes(await errorCode(page)), await errorCode(page));
  assertScrubbed(await addressOf(page));
  assert.equal(provider.counters.token.authorization_code, 0, 'the code is not redeemed twice');
  assert.deepEqual(await world.storedTokens(page), session, 'the session is untouched');
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'in');
  assert.ok(page.url().startsWith(www.origin));
});

test('a login finished in a new tab (an e-mail link): missing_transaction saying so, nothing redeemed; logging in again there needs no password', async (t) => {
  const { provider, www } = world.stack;
  const { context, page: first } = await world.openApp(t);
  // Keycloak's verify-e-mail and reset-password links finish the login in the tab the mail program opens, with the
  // first tab's state. Here the first tab's code exchange never reaches the provider, and its answer is opened in a
  // second tab.
  let answer;
  first.on('framenavigated', (frame) => {
    if (frame === first.mainFrame() && new URL(frame.url()).searchParams.has('code')) answer = frame.url();
  });
  await first.route(`${provider.issuer}/token`, (route) => route.abort());
  await first.click('#login');
  await first.waitForURL((u) => u.origin === provider.issuer);
  await signIn(first, www.origin, { login: 'kim' });
  await first.locator('#error[data-code]').waitFor();
  assert.equal(await errorCode(first), 'network_error');
  assert.equal(new URL(answer).origin, www.origin);
  provider.resetCounters();

  const second = await newPage(context);
  await second.goto(answer);
  await waitReady(second);
  assert.equal(await errorCode(second), 'missing_transaction');
  assert.match(await second.locator('#error').textContent(), /e-mail.*log in again/s);
  assertScrubbed(await addressOf(second));
  assert.equal(provider.counters.token.authorization_code, 0, 'a tab without the login\'s verifier redeems nothing');

  // The provider's session is there: logging in again from this tab asks no password (only this provider's
  // consent to offline_access).
  await second.click('#login');
  await second.waitForURL((u) => u.origin === www.origin || u.pathname.startsWith('/interaction/'));
  if (new URL(second.url()).origin !== www.origin) {
    assert.equal(await onLoginForm(second), false, 'no login form');
    await giveConsent(second, www.origin);
  }
  await second.locator('#status[data-state="in"]').waitFor();
  assert.equal(JSON.parse(await second.locator('#claims').textContent()).sub, 'kim');
  assert.equal(provider.counters.token.authorization_code, 1);
});

test('the public classes keep their names in the minified build; an AuthError is a named Error', async (t) => {
  const { page } = await world.openApp(t);
  const names = await page.evaluate(async () => {
    const { AuthClient, AuthError } = window.spaAuth;
    const mod = await import('/pkg/web/spa_auth.js');
    let thrown;
    try {
      new AuthClient({});
    } catch (e) {
      thrown = e;
    }
    return {
      classes: [AuthClient.name, AuthError.name, mod.ClientIdentification.name, mod.LegacyJwtClient.name],
      error: [thrown instanceof AuthError, thrown instanceof Error, thrown.constructor.name, thrown.name, thrown.code],
    };
  });
  assert.deepEqual(names.classes, ['AuthClient', 'AuthError', 'ClientIdentification', 'LegacyJwtClient']);
  assert.deepEqual(names.error, [true, true, 'AuthError', 'AuthError', 'invalid_config']);
});
