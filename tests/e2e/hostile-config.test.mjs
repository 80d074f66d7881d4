// Unsafe options: any client secret, in any spelling or nesting, and a plain-http issuer are refused with
// invalid_config and a message that says what to do instead; the module keeps working afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertAuthError, useHostileWorld } from '../support/hostile.mjs';

const world = useHostileWorld();

/** `new AuthClient(options)` in the page, described (the constructor throws synchronously). */
const construct = (page, options) => page.evaluate(
  (o) => window.hostile.attempt(() => { window.hostile.client('bad', o); return 'constructed'; }),
  options,
);

const SECRET_CASES = [
  ['clientSecret', (o) => ({ ...o, clientSecret: 's3cr3t' })],
  ['client_secret', (o) => ({ ...o, client_secret: 's3cr3t' })],
  ['authorizationParams.client_secret', (o) => ({ ...o, authorizationParams: { client_secret: 's3cr3t' } })],
];

for (const [where, withSecret] of SECRET_CASES) {
  test(`a client secret in ${where} is invalid_config, pointing to a backend`, async (t) => {
    const page = await world.open(t);
    const err = assertAuthError(await construct(page, withSecret(world.options())), 'invalid_config', /backend/);
    assert.match(err.message, /secret/i);
    assert.doesNotMatch(err.message, /s3cr3t/, 'the secret is not echoed');
    await world.assertStillWorks(page, { options: world.options() });
  });
}

test('a client secret in a login\'s authorizationParams is invalid_config, and no login starts', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const outcome = await page.evaluate(() => window.hostile.attempt(
    () => window.hostile.clients.main.buildAuthorizeUrl({ authorizationParams: { client_secret: 's3cr3t' } }),
  ));
  assertAuthError(outcome, 'invalid_config', /backend/);
  const keys = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes(':tx:')));
  assert.deepEqual(keys, [], 'no transaction stored');
  await world.assertStillWorks(page);
});

test('an http: issuer that is not loopback is invalid_config', async (t) => {
  const page = await world.open(t);
  const err = assertAuthError(
    await construct(page, world.options({ issuer: 'http://id.example.test' })), 'invalid_config', /https/,
  );
  assert.match(err.message, /issuer/);
  // Loopback http (this whole suite's stand-in) is allowed, as API.md says.
  await world.assertStillWorks(page, { options: world.options() });
});
