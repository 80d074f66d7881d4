// Release smoke test of the web build: loads, hashes, validates. Results go to window.smokeResult.
import init, {
  AuthClient, AuthError, createPkcePair, pkceChallenge,
} from '/pkg/web/spa_auth.js';

const GOOD = { issuer: 'https://id.example.test', clientId: 'demo', redirectUri: 'https://app.example.test/' };

/** Construct a client and describe what it threw (or that it did not). */
function construct(options) {
  try {
    new AuthClient(options); // eslint-disable-line no-new
    return { threw: false };
  } catch (err) {
    return {
      threw: true,
      isAuthError: err instanceof AuthError,
      isError: err instanceof Error,
      code: err?.code,
      message: err?.message,
    };
  }
}

async function run() {
  await init();
  const pair = await createPkcePair();
  return {
    verifierLength: pair.verifier.length,
    verifierAlphabetOk: /^[A-Za-z0-9_-]+$/.test(pair.verifier),
    method: pair.method,
    challengeMatches: pkceChallenge(pair.verifier) === pair.challenge,
    rfc7636: pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    secret: construct({ ...GOOD, clientSecret: 'x' }),
    plainHttpIssuer: construct({ ...GOOD, issuer: 'http://id.example.test' }),
    good: construct(GOOD),
    // The module still works after errors crossed the boundary.
    afterErrors: (await createPkcePair()).verifier.length,
  };
}

window.smokeResult = await run().catch((err) => ({ fatal: String(err?.stack ?? err) }));
document.getElementById('result').textContent = JSON.stringify(window.smokeResult, null, 2);
