// ID token signatures (issue 14, `verifySignature: true`): the provider's JWKS and WebCrypto. The stand-in signs with
// a real RSA key; forgeries of every classic kind are refused, a key rotation costs one more JWKS request. The real
// provider's own tokens verify too (tests/e2e/signatures-provider.test.mjs).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';

import { craftJwt, signJwt, signingKey } from '../support/standin-op.mjs';
import { assertAuthError, rawStored, useHostileWorld } from '../support/hostile.mjs';

const world = useHostileWorld();
const jwksRequests = () => world.op.requests.filter((r) => r.path === '/jwks').length;

async function openVerifying(t) {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options({ verifySignature: true }));
  return page;
}

test('signed ID tokens verify with the provider\'s key; the JWK Set is fetched once per tab session', async (t) => {
  const page = await openVerifying(t);
  const first = await world.loginInPlace(page);
  assert.equal(first.outcome.ok, true, JSON.stringify(first.outcome.err));
  const second = await world.loginInPlace(page);
  assert.equal(second.outcome.ok, true, JSON.stringify(second.outcome.err));
  assert.equal(jwksRequests(), 1, 'cached for the tab session');
  assert.equal((await page.evaluate(() => window.hostile.clients.main.getUser())).sub, 'alice');
});

const forgeries = {
  'signed by another key (same kid)': ({ goodClaims }) => signJwt(goodClaims(), { ...signingKey('k1') }),
  'a flipped payload byte': ({ goodClaims }) => {
    const [h, p, s] = signJwt(goodClaims(), world.op.key).split('.');
    const bytes = Buffer.from(p, 'base64url');
    bytes[bytes.length - 2] ^= 1;
    return [h, bytes.toString('base64url'), s].join('.');
  },
  'alg none': ({ goodClaims }) => craftJwt(goodClaims(), { alg: 'none' }).replace(/\.sig$/, '.'),
  'HS256 with the public key as the secret': ({ goodClaims }) => signJwt(goodClaims(), world.op.key, {
    alg: 'HS256',
    sign: (input) => crypto.createHmac('sha256', crypto.createPublicKey({ key: world.op.key.jwk, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })).update(input).digest(),
  }),
};

for (const [name, forge] of Object.entries(forgeries)) {
  test(`an ID token ${name} is id_token_invalid, nothing stored`, async (t) => {
    const page = await openVerifying(t);
    world.op.nextToken((ctx) => ({ status: 200, json: { ...ctx.goodTokens(), id_token: forge(ctx) } }));
    const { outcome } = await world.loginInPlace(page);
    assertAuthError(outcome, 'id_token_invalid');
    assert.equal(await rawStored(page), null);
    await world.assertStillWorks(page);
  });
}

test('a key rotation at the provider (new kid) is followed with one extra JWKS request', async (t) => {
  const page = await openVerifying(t);
  assert.equal((await world.loginInPlace(page)).outcome.ok, true);
  assert.equal(jwksRequests(), 1);
  world.op.rotateKey('k2');
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  assert.equal(jwksRequests(), 2, 'one more look at the JWK Set');
});

test('a JWK Set whose modulus has a leading zero octet (Java\'s BigInteger: OpenAM, ForgeRock) still verifies', async (t) => {
  t.after(() => world.op.rotateKey('k1'));
  const jwk = world.op.key.jwk;
  // Chrome's WebCrypto refuses such an `n` on import (RFC 7518 §6.3.1.1 asks for none): the library drops it.
  jwk.n = Buffer.concat([Buffer.from([0]), Buffer.from(jwk.n, 'base64url')]).toString('base64url');
  const page = await openVerifying(t);
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
  assert.equal(jwksRequests(), 1);
});

// Every algorithm the library takes, signed by node's crypto (an implementation of its own) and verified by the
// browser's WebCrypto; Ed25519 is RFC 9864's name for EdDSA with that curve, which oidc-provider 9 enables.
for (const alg of ['RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']) {
  test(`an ID token signed ${alg} verifies with the provider's key`, async (t) => {
    t.after(() => world.op.rotateKey('k1'));
    world.op.rotateKey(`k-${alg}`, alg);
    const page = await openVerifying(t);
    const { outcome } = await world.loginInPlace(page);
    assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
    assert.equal(jwksRequests(), 1);
    // The same token with one signature bit flipped is refused: the algorithm really verified.
    world.op.nextToken((ctx) => {
      const [h, p, s] = signJwt(ctx.goodClaims(), world.op.key).split('.');
      const bytes = Buffer.from(s, 'base64url');
      bytes[0] ^= 1;
      return { status: 200, json: { ...ctx.goodTokens(), id_token: [h, p, bytes.toString('base64url')].join('.') } };
    });
    assertAuthError((await world.loginInPlace(page)).outcome, 'id_token_invalid');
  });
}

test('without verifySignature the JWK Set is never fetched', async (t) => {
  const page = await world.open(t);
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  assert.equal((await world.loginInPlace(page)).outcome.ok, true);
  assert.equal(jwksRequests(), 0);
});

// Keycloak (keycloak#14933) and Gluu (oxAuth#1595) have published EC keys whose coordinates lack a leading zero
// octet or carry one more; Chrome's WebCrypto takes only the curve's exact size (RFC 7518 §6.2.1.2).
for (const [alg, octets] of [['ES256', 32], ['ES512', 66]]) {
  test(`an ${alg} key whose coordinates are one octet short or long still verifies`, async (t) => {
    t.after(() => world.op.rotateKey('k1'));
    do world.op.rotateKey(`k-short-${alg}`, alg); while (Buffer.from(world.op.key.jwk.x, 'base64url')[0] !== 0);
    const { jwk } = world.op.key;
    const x = Buffer.from(jwk.x, 'base64url').subarray(1);
    const y = Buffer.concat([Buffer.from([0]), Buffer.from(jwk.y, 'base64url')]);
    assert.deepEqual([x.length, y.length], [octets - 1, octets + 1]);
    Object.assign(jwk, { x: x.toString('base64url'), y: y.toString('base64url') });
    const page = await openVerifying(t);
    const { outcome } = await world.loginInPlace(page);
    assert.equal(outcome.ok, true, JSON.stringify(outcome.err));
    assert.equal(jwksRequests(), 1);
  });
}
