// The spa-auth demo: log in with the Authorization Code flow + PKCE, show the user,
// call a protected API, refresh, log out; and call publiq's Search API with a public client id
// (no login). Served as-is, no build step.
import init, { AuthClient, AuthError, ClientIdentification } from '/pkg/web/spa_auth.js';

const $ = (id) => document.getElementById(id);

function showError(err) {
  const code = err instanceof AuthError ? err.code : 'unexpected';
  $('error').dataset.code = code;
  $('error').textContent = `${code}: ${err?.message ?? String(err)}`;
  $('error').hidden = false;
}

function clearError() {
  delete $('error').dataset.code;
  $('error').textContent = '';
  $('error').hidden = true;
}

/** Run a button's action, showing any failure in the error area. */
function onClick(id, action) {
  $(id).addEventListener('click', async () => {
    clearError();
    try {
      await action();
    } catch (err) {
      showError(err);
    }
  });
}

function render(client) {
  const loggedIn = client.isAuthenticated();
  const user = client.getUser();
  const tokens = client.getTokens();
  $('status').dataset.state = loggedIn ? 'in' : 'out';
  $('status').textContent = loggedIn ? `Logged in as ${user?.name ?? user?.sub ?? 'someone'}` : 'Logged out';
  for (const id of ['login', 'login-fragment', 'login-popup', 'check-silent']) $(id).hidden = loggedIn;
  for (const id of ['call-api', 'refresh', 'logout', 'userinfo']) $(id).hidden = !loggedIn;
  $('session').hidden = !loggedIn;
  $('claims').textContent = user ? JSON.stringify(user, null, 2) : '';
  // Never the tokens themselves on screen: their metadata is enough for a demo.
  $('token-info').textContent = tokens ? JSON.stringify({
    tokenType: tokens.tokenType,
    scope: tokens.scope,
    expiresAt: new Date(tokens.expiresAt * 1000).toISOString(),
    hasIdToken: Boolean(tokens.idToken),
  }, null, 2) : '';
}

/**
 * The tabs panel: the access token's remaining lifetime as a bar, and when this tab last saw a new token (its own
 * refresh or one another tab shared), so a person can watch one refresh serve every tab.
 */
function watchLifetime(client) {
  let token;
  let since;
  const update = () => {
    const tokens = client.getTokens();
    $('tabs-panel').hidden = !tokens;
    if (!tokens) return;
    const now = Date.now() / 1000;
    if (tokens.accessToken !== token) {
      if (token !== undefined) {
        $('last-refresh').textContent = `New access token at ${new Date().toLocaleTimeString()}`;
        $('last-refresh').dataset.count = String(Number($('last-refresh').dataset.count ?? 0) + 1);
      }
      token = tokens.accessToken;
      since = now;
    }
    const lifetime = Math.max(tokens.expiresAt - since, 1);
    $('lifetime').value = Math.max(0, Math.min(1, (tokens.expiresAt - now) / lifetime));
    $('lifetime-text').textContent = `${Math.max(0, Math.round(tokens.expiresAt - now))} s left`;
  };
  client.onChange(update);
  setInterval(update, 500);
}

/** The Search API panel: a client id (header or query parameter) on a search, no user token. */
function setUpSearch(config) {
  if (!config.searchApiUrl) return;
  $('search-panel').hidden = false;
  $('search-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    const out = $('search-result');
    const sent = $('search-sent');
    delete out.dataset.status;
    out.textContent = '…';
    sent.textContent = '';
    try {
      const identification = new ClientIdentification({
        clientId: $('search-client-id').value,
        mode: $('search-mode').value,
      });
      const url = `${config.searchApiUrl}/events?${new URLSearchParams({ q: $('search-q').value, embed: 'true' })}`;
      const res = await identification.fetch(url);
      const text = await res.text();
      let body;
      try {
        body = JSON.parse(text);
      } catch { /* not JSON: show as is */ }
      // The stand-in Search API echoes what it received; show that apart from the answer.
      const { received, ...answer } = body && typeof body === 'object' ? body : { received: undefined };
      out.textContent = `HTTP ${res.status}\n${body === undefined ? text : JSON.stringify(answer, null, 2)}`;
      sent.textContent = received ? JSON.stringify(received, null, 2) : '';
      out.dataset.status = String(res.status);
    } catch (err) {
      out.textContent = '';
      showError(err);
    }
  });
}

function tabsMode() {
  const asked = new URLSearchParams(window.location.search).get('tabs');
  if (asked) sessionStorage.setItem('demo:tabs', asked);
  return (asked ?? sessionStorage.getItem('demo:tabs')) === 'isolated' ? 'isolated' : 'shared';
}

async function main() {
  await init();
  const config = await (await fetch('/config.json')).json();
  const options = {
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    scope: config.scope,
    storage: 'session',
    // ?tabs=isolated: this tab keeps to itself (the default shares the session with the app's other tabs); the
    // choice is remembered for the tab, so the way back from the provider keeps it.
    tabs: tabsMode(),
    // Set sessionStorage "demo:verifySignature" to "1" to check ID token signatures with the provider's JWKS.
    verifySignature: sessionStorage.getItem('demo:verifySignature') === '1',
    // Set localStorage "demo:dpop" to "1" for DPoP-bound tokens (a demo setting every tab of the app reads).
    dpop: localStorage.getItem('demo:dpop') === '1',
  };
  const makeClient = (responseMode = 'query') => new AuthClient({ ...options, responseMode });

  // A login started with "Log in (fragment)" comes back with the code in the fragment.
  const returning = new URLSearchParams(window.location.hash.slice(1));
  const client = makeClient(returning.has('state') ? 'fragment' : 'query');
  window.spaAuth = { client, AuthClient, AuthError, makeClient, config, options };

  client.onChange(() => render(client));
  watchLifetime(client);
  if (client.isCallback()) {
    try {
      const { appState } = await client.handleRedirectCallback();
      $('app-state').textContent = JSON.stringify(appState ?? null);
    } catch (err) {
      showError(err);
    }
  } else {
    // A new tab: another open tab of this app may hand its session over.
    await client.checkSession();
  }
  render(client);

  onClick('login', () => makeClient('query').loginWithRedirect({ appState: { via: 'query' } }));
  onClick('login-fragment', () => makeClient('fragment').loginWithRedirect({ appState: { via: 'fragment' } }));
  onClick('call-api', async () => {
    const out = $('api-result');
    delete out.dataset.status;
    out.textContent = '…';
    const res = await client.fetch(config.apiUrl);
    const text = await res.text();
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch { /* not JSON: show as is */ }
    out.textContent = `HTTP ${res.status}\n${shown}`;
    out.dataset.status = String(res.status);
  });
  onClick('refresh', async () => {
    await client.getAccessToken({ forceRefresh: true });
    const out = $('refresh-result');
    out.dataset.count = String(Number(out.dataset.count) + 1);
    out.textContent = `Refreshed ${out.dataset.count} time(s); last at ${new Date().toISOString()}`;
    render(client);
  });
  onClick('logout', () => client.logout({ returnTo: config.postLogoutRedirectUri }));
  onClick('login-popup', async () => {
    const { appState } = await client.loginWithPopup({ appState: { via: 'popup' } });
    $('app-state').textContent = JSON.stringify(appState ?? null);
    render(client);
  });
  // A visitor already logged in at the provider (another app) needs no click: prompt=none, once per tab session.
  onClick('check-silent', async () => {
    // The page the visitor is on comes back as the callback's appState, logged in or not.
    const appState = { via: 'silent', returnTo: window.location.pathname };
    $('check-silent').dataset.result = String(await client.checkSession({ silent: 'redirect', appState }));
  });
  onClick('userinfo', async () => {
    $('userinfo-result').textContent = JSON.stringify(await client.getUserInfo(), null, 2);
  });
  setUpSearch(config);

  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  showError(err);
  $('status').textContent = 'Failed to start';
  document.body.dataset.ready = 'error';
});
