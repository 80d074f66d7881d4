// Regression from DOM-event habits in comparable libraries' bug reports: an onChange listener removed by an
// earlier listener of the same round is not called in that round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useHostileWorld } from '../support/hostile.mjs';

const world = useHostileWorld();

test('shared tabs: onChange listener removed by an earlier listener in the same dispatch is not called', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true);
  const calls = await page.evaluate(async () => {
    const c = window.hostile.clients.main;
    const calls = [];
    let offSecond;
    c.onChange(() => { calls.push('first'); offSecond(); });
    offSecond = c.onChange(() => calls.push('second (after unsubscribe)'));
    await c.getAccessToken({ forceRefresh: true });
    await c.getAccessToken({ forceRefresh: true });
    return calls;
  });
  assert.deepEqual(calls, ['first', 'first']);
});
