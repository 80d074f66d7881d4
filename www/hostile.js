// A bare page for the hostile-input end-to-end tests (tests/e2e/hostile-*.test.mjs).
//
// It loads the web build and exposes `window.hostile`; the tests drive the library through it and read what an app
// would see. When the page is loaded as a callback (the URL carries `state`), it handles the callback at once with
// the options the test left in sessionStorage under `hostile:options`, the way an app does on start-up, and records
// the outcome in `window.hostile.outcome`.
import init, {
  AuthClient, AuthError, ClientIdentification, LegacyJwtClient, createPkcePair, pkceChallenge,
} from '/pkg/web/spa_auth.js';

/** What an app can see of a rejection. */
function describe(err) {
  return {
    isAuthError: err instanceof AuthError,
    isError: err instanceof Error,
    name: err?.name,
    code: err?.code,
    message: err?.message ?? String(err),
    error: err?.error,
    errorDescription: err?.errorDescription,
  };
}

/** Run `fn` (sync or async) and describe its result or rejection. */
async function attempt(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    return { ok: false, err: describe(err) };
  }
}

const clients = {};

window.hostile = {
  AuthClient,
  AuthError,
  ClientIdentification,
  LegacyJwtClient,
  createPkcePair,
  pkceChallenge,
  clients,
  describe,
  attempt,
  /** Create (or replace) the client called `name`. Throws like the constructor does. */
  client(name, options) {
    clients[name] = new AuthClient(options);
    return name;
  },
  outcome: undefined,
};

async function main() {
  await init();
  const callback = new URLSearchParams(window.location.search).has('state')
    || new URLSearchParams(window.location.hash.slice(1)).has('state');
  if (callback) {
    let options;
    try {
      options = JSON.parse(sessionStorage.getItem('hostile:options'));
    } catch { /* storage disabled: the test passes options some other way */ }
    window.hostile.outcome = await attempt(() => {
      clients.main = new AuthClient(options);
      return clients.main.handleRedirectCallback();
    });
    document.getElementById('outcome').textContent = JSON.stringify(window.hostile.outcome, null, 2);
  }
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  window.hostile.fatal = describe(err);
  document.body.dataset.ready = 'error';
});
