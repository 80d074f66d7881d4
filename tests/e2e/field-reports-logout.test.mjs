// Ending sessions, from a hunt through comparable libraries' bug reports (2026-12-03): a logout button clicked twice,
// or a /logout page whose effect React's StrictMode runs twice, is one logout that keeps its `id_token_hint`
// (without it Keycloak and oidc-provider ask the user to confirm, Okta and Ory Hydra refuse).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { useHostileWorld } from '../support/hostile.mjs';

const world = useHostileWorld();

test('logout() twice at once is one logout: one revocation, one end-session request, with its id_token_hint', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  const idToken = await page.evaluate(() => window.hostile.clients.main.getTokens().idToken);
  world.op.requests.length = 0;
  const leaving = page.waitForURL((u) => u.pathname === '/end-session');
  const shared = await page.evaluate(() => {
    const c = window.hostile.clients.main;
    const first = c.logout();
    const second = c.logout(); // the second click, before the first left the page
    return first === second;
  });
  await leaving;
  await new Promise((r) => { setTimeout(r, 300); });
  assert.equal(shared, true, 'the second call is the first');
  const ends = world.op.requests.filter((r) => r.path === '/end-session');
  assert.deepEqual(ends.map((r) => new URLSearchParams(r.search).get('id_token_hint')), [idToken], 'one logout, with the hint');
  assert.equal(world.op.requests.filter((r) => r.path === '/revoke').length, 1, 'one revocation');
});
