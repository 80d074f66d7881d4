// Short-lived access tokens: refresh, rotation, and one refresh for many callers.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep, useWorld } from '../support/world.mjs';

const TTL = 6; // seconds: the library refreshes in the last half of a short lifetime
const world = useWorld({ accessTokenTtl: TTL });

test('an expired access token is refreshed, the rotated refresh token stored, the old one refused', async (t) => {
  const { provider, api } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page);
  const first = await world.storedTokens(page);
  assert.ok(first.refreshToken);
  provider.resetCounters();

  // Within its lifetime the cached token is returned without a request.
  assert.equal(await page.evaluate(() => window.spaAuth.client.getAccessToken()), first.accessToken);
  assert.equal(provider.counters.token.refresh_token, 0);

  await sleep((TTL + 0.5) * 1000);
  const fresh = await page.evaluate(() => window.spaAuth.client.getAccessToken());
  assert.notEqual(fresh, first.accessToken);
  assert.equal(provider.counters.token.refresh_token, 1);

  const second = await world.storedTokens(page);
  assert.equal(second.accessToken, fresh);
  const [entry] = provider.tokenLog;
  assert.equal(entry.refreshTokenSent, first.refreshToken);
  assert.ok(entry.refreshTokenIssued);
  assert.notEqual(entry.refreshTokenIssued, first.refreshToken);
  assert.equal(second.refreshToken, entry.refreshTokenIssued, 'the rotated refresh token is stored');
  const tokens = await page.evaluate(() => window.spaAuth.client.getTokens());
  assert.ok(tokens.expiresAt > Date.now() / 1000, 'expiresAt in the future (epoch seconds)');
  assert.ok(tokens.expiresAt <= Date.now() / 1000 + TTL + 1, 'expiresAt from expires_in');

  // The new access token works at the API.
  api.resetRequests();
  await page.click('#call-api');
  await page.locator('#api-result[data-status]').waitFor();
  assert.equal(await page.locator('#api-result').getAttribute('data-status'), '200');
  assert.equal(api.requests.length, 1);

  // "Refresh" forces one more rotation.
  await page.click('#refresh');
  await page.locator('#refresh-result[data-count="1"]').waitFor();
  assert.equal(provider.counters.token.refresh_token, 2);
  const third = await world.storedTokens(page);
  assert.equal(third.refreshToken, provider.tokenLog[1].refreshTokenIssued);
  assert.equal(provider.tokenLog[1].refreshTokenSent, second.refreshToken);

  // Last, because oidc-provider revokes the whole grant when a rotated refresh token is reused.
  const reuse = await world.refreshDirect(first.refreshToken);
  assert.equal(reuse.status, 400);
  assert.equal(reuse.body.error, 'invalid_grant');
});

test('a refresh refused for its scope (ZITADEL drops unknown scopes silently) is sent once more without scope', async (t) => {
  const { provider, www } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page);
  provider.resetCounters();
  const sent = [];
  await page.route(`${provider.issuer}/token`, (route) => {
    const body = new URLSearchParams(route.request().postData() ?? '');
    sent.push(body.get('scope'));
    return body.has('scope')
      ? route.fulfill({ status: 400, headers: { 'access-control-allow-origin': www.origin }, json: { error: 'invalid_scope', error_description: 'scope not granted' } })
      : route.continue();
  });
  const before = await world.storedTokens(page);
  const fresh = await page.evaluate(() => window.spaAuth.client.getAccessToken({ forceRefresh: true }));
  assert.notEqual(fresh, before.accessToken);
  assert.equal(sent.length, 2, 'refused once, then sent again');
  assert.ok(sent[0], 'the first carried the scope as asked');
  assert.equal(sent[1], null, 'the second none: the original grant (RFC 6749 §6)');
  assert.equal(provider.counters.token.refresh_token, 1);
  assert.equal((await world.storedTokens(page)).accessToken, fresh);
  await page.unroute(`${provider.issuer}/token`);
});

test('five concurrent getAccessToken calls on an expired token make exactly one refresh request', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  await world.logIn(page, { login: 'frank' });
  const before = await world.storedTokens(page);

  await sleep((TTL + 0.5) * 1000);
  provider.resetCounters();
  const results = await page.evaluate(() => Promise.all(
    Array.from({ length: 5 }, () => window.spaAuth.client.getAccessToken()),
  ));
  assert.equal(new Set(results).size, 1, 'every caller gets the same token');
  assert.notEqual(results[0], before.accessToken);
  assert.equal(provider.counters.token.refresh_token, 1);
  assert.equal(provider.tokenLog[0].status, 200);
  const after = await world.storedTokens(page);
  assert.equal(after.accessToken, results[0]);
  assert.equal(after.refreshToken, provider.tokenLog[0].refreshTokenIssued);
});
