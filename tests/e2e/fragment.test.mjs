// responseMode "fragment": the code comes back in the URL fragment.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addressOf, useWorld } from '../support/world.mjs';

const world = useWorld();

test('login with responseMode fragment', async (t) => {
  const { provider } = world.stack;
  const { page } = await world.openApp(t);
  const callbacks = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && frame.url().startsWith(world.stack.www.origin)) callbacks.push(new URL(frame.url()));
  });
  const authorize = [];
  page.on('request', (req) => {
    if (req.url().startsWith(`${provider.issuer}/auth?`)) authorize.push(new URL(req.url()));
  });

  await world.logIn(page, { button: '#login-fragment', login: 'erin' });

  assert.equal(authorize.length, 1);
  assert.equal(authorize[0].searchParams.get('response_mode'), 'fragment');
  const landed = callbacks.find((u) => u.hash.includes('code='));
  assert.ok(landed, 'the callback carried the code in the fragment');
  assert.equal(landed.search, '', 'nothing in the query');

  const address = new URL(await addressOf(page));
  assert.ok(!/(^|[#&])(code|state|iss)=/.test(address.hash), `fragment scrubbed: ${address.hash}`);
  assert.equal(address.search, '');
  assert.equal(JSON.parse(await page.locator('#claims').textContent()).sub, 'erin');
  assert.deepEqual(JSON.parse(await page.locator('#app-state').textContent()), { via: 'fragment' });
  assert.equal(provider.counters.token.authorization_code, 1);
});
