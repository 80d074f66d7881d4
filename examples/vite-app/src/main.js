// spa-auth in a Vite app: log in with the Authorization Code flow + PKCE and show who you are.
// Configure with Vite env variables (a .env.local file or the shell), read at build time:
//   VITE_OIDC_ISSUER     e.g. https://account-test.uitid.be/realms/uitid
//   VITE_OIDC_CLIENT_ID  your public client id
//   VITE_OIDC_SCOPE      optional, default "openid profile email"
// Register this app's origin + "/" as a redirect URI (and post-logout redirect URI) at the server.
import { AuthClient, AuthError } from "spa-auth";

const $ = (id) => document.getElementById(id);

function showError(err) {
  $("error").dataset.code = err instanceof AuthError ? err.code : "unexpected";
  $("error").textContent = err instanceof AuthError ? `${err.code}: ${err.message}` : String(err);
  $("error").hidden = false;
}

let auth;
try {
  auth = new AuthClient({
    issuer: import.meta.env.VITE_OIDC_ISSUER,
    clientId: import.meta.env.VITE_OIDC_CLIENT_ID,
    redirectUri: `${window.location.origin}/`,
    scope: import.meta.env.VITE_OIDC_SCOPE || "openid profile email",
  });
} catch (err) {
  showError(err); // invalid_config: VITE_OIDC_ISSUER and VITE_OIDC_CLIENT_ID unset (no .env.local)?
  throw err;
}

function render() {
  const user = auth.getUser();
  const loggedIn = auth.isAuthenticated();
  $("status").dataset.state = loggedIn ? "in" : "out";
  $("status").textContent = loggedIn ? `Logged in as ${user?.name ?? user?.sub}` : "Logged out";
  $("login").hidden = loggedIn;
  $("logout").hidden = !loggedIn;
  $("claims").textContent = user ? JSON.stringify(user, null, 2) : "";
}

$("login").addEventListener("click", () => auth.loginWithRedirect().catch(showError));
$("logout").addEventListener("click", () =>
  auth.logout({ returnTo: `${window.location.origin}/` }).catch(showError));
auth.onChange(render);

try {
  if (auth.isCallback()) {
    await auth.handleRedirectCallback(); // checks state, exchanges the code, cleans the address bar
  } else {
    await auth.checkSession(); // another open tab of this app may hand over its session
  }
} catch (err) {
  showError(err);
}
render();
document.body.dataset.ready = "true";
