// Server answers and page state from a hunt through comparable libraries' bug reports (2026-12-03): a token answer
// with an empty `error` beside its access token (ASP.NET, dotnet/aspnetcore#53457), and a page whose
// `Object.prototype` a prototype-pollution bug elsewhere has written endpoints onto.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { useHostileWorld } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.evil = await startRs(); });
after(async () => { await rs.evil?.close(); });

test('a token answer with an empty `error` beside its access token is a success (ASP.NET), at login and refresh', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  world.op.nextToken(({ goodTokens }) => ({ status: 200, json: { ...goodTokens(), error: '' } }));
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  world.op.nextToken(({ goodTokens }) => ({ status: 200, json: { ...goodTokens(), error: '' } }));
  const refreshed = await page.evaluate(() => window.hostile.attempt(() => window.hostile.clients.main.getAccessToken({ forceRefresh: true })));
  assert.equal(refreshed.ok, true, JSON.stringify(refreshed.err));
  assert.equal(refreshed.value, world.op.tokenRequests.at(-1).accessTokenIssued);
});

test('endpoints planted on Object.prototype by another bug of the page never receive a code or a token', async (t) => {
  rs.evil.reset();
  const page = await world.open(t);
  await page.evaluate(([o, evil]) => {
    for (const name of ['tokenEndpoint', 'token_endpoint', 'revocationEndpoint', 'revocation_endpoint', 'userinfo_endpoint']) {
      Object.defineProperty(Object.prototype, name, { value: `${evil}/${name}`, configurable: true });
    }
    window.hostile.client('main', o);
  }, [world.options(), rs.evil.url]);
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  await page.evaluate(() => window.hostile.clients.main.getAccessToken({ forceRefresh: true }));
  await page.evaluate(() => window.hostile.attempt(() => window.hostile.clients.main.logout({ localOnly: true })));
  assert.deepEqual(rs.evil.requests.map((r) => r.path), [], 'nothing went to the planted endpoints');
  assert.equal(world.op.tokenRequests.length, 2, 'the code and the refresh went to the provider');
});
