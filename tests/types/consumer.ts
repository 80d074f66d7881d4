// A TypeScript consumer of the packed package: every option and result of the public contract
// (shared/API.md), typed. `tsc --noEmit --strict` must pass on this file, with no `any` sneaking in:
// the `Exact` checks below fail to compile if an option or a result is typed `any`.
import {
  AuthClient,
  AuthError,
  ClientIdentification,
  LegacyJwtClient,
  createPkcePair,
  pkceChallenge,
  type AuthClientOptions,
  type ClientIdentificationOptions,
  type GetAccessTokenOptions,
  type LegacyJwtClientOptions,
  type LoginOptions,
  type LogoutOptions,
  type PkcePair,
  type PubliqOptions,
  type RedirectLoginResult,
  type TokenSet,
  type UserClaims,
  type UserInfo,
} from "spa-auth";
import init, { initSync, AuthClient as WebAuthClient, AuthError as WebAuthError } from "spa-auth/web";

/** Compiles only when A and B are the same type (and neither is `any`). */
type Exact<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;
function assertType<T extends true>(): T | undefined { return undefined; }

const options: AuthClientOptions = {
  issuer: "https://id.example.com",
  clientId: "my-spa",
  redirectUri: "https://app.example.com/",
  scope: "openid profile email offline_access",
  audience: "https://api.example.com",
  discoveryUrl: "https://id.example.com/identity-server/.well-known/openid-configuration",
  authorizationEndpoint: "https://id.example.com/authorize",
  tokenEndpoint: "https://id.example.com/oauth/token",
  endSessionEndpoint: "https://id.example.com/logout",
  revocationEndpoint: "https://id.example.com/oauth/revoke",
  logoutStyle: "auth0",
  responseMode: "fragment",
  storage: "memory",
  leeway: 30,
  authorizationParams: { prompt: "login", ui_locales: "nl", login_hint: "alice@example.com" },
};
const others: AuthClientOptions[] = [
  { ...options, logoutStyle: "oidc", responseMode: "query", storage: "session" },
  { issuer: "http://127.0.0.1:3000", clientId: "c", redirectUri: "http://127.0.0.1:8080/" },
];
assertType<Exact<AuthClientOptions["scope"], string | undefined>>();
assertType<Exact<AuthClientOptions["leeway"], number | undefined>>();
assertType<Exact<AuthClientOptions["logoutStyle"], "oidc" | "auth0" | "cognito" | undefined>>();
assertType<Exact<AuthClientOptions["responseMode"], "query" | "fragment" | undefined>>();
assertType<Exact<AuthClientOptions["storage"], "session" | "memory" | undefined>>();
assertType<Exact<AuthClientOptions["authorizationParams"], Record<string, string> | undefined>>();

const auth: AuthClient = new AuthClient(options);
for (const o of others) new AuthClient(o).free();

const publiqOptions: PubliqOptions = {
  environment: "testing",
  clientId: "my-uitid-client",
  redirectUri: "https://app.example.com/",
  scope: "openid email offline_access",
  authorizationParams: { ui_locales: "fr", referrer: "my-app", screen: "register", prompt: "login" },
};
const uitid: AuthClient = AuthClient.publiq(publiqOptions);
AuthClient.publiq({ environment: "production", clientId: "c", redirectUri: "https://a.example/" });
AuthClient.publiq({ environment: "acceptance", clientId: "c", redirectUri: "https://a.example/" });

async function flows(): Promise<void> {
  // Methods whose options are optional, called without them (as the README quickstarts do).
  const url1: string = await auth.buildAuthorizeUrl();
  await auth.loginWithRedirect();
  const token1: string = await auth.getAccessToken();
  const res1: Response = await auth.fetch("https://api.example.com/things");
  await auth.logout();

  // And with every option.
  const login: LoginOptions = {
    appState: { returnTo: "/things", n: 1 },
    authorizationParams: { prompt: "consent", login_hint: "bob" },
  };
  const url2: string = await auth.buildAuthorizeUrl(login);
  await auth.loginWithRedirect({ appState: "any JSON value" });

  const isCallback: boolean = auth.isCallback() || auth.isCallback("https://app.example.com/?code=c&state=s");
  const result: RedirectLoginResult = await auth.handleRedirectCallback();
  await auth.handleRedirectCallback(window.location.href);
  assertType<Exact<RedirectLoginResult["appState"], unknown>>();

  const loggedIn: boolean = auth.isAuthenticated();
  const tokenOptions: GetAccessTokenOptions = { minValidity: 120, forceRefresh: true };
  const token2: string = await auth.getAccessToken(tokenOptions);

  const tokens: TokenSet | undefined = auth.getTokens();
  if (tokens) {
    const accessToken: string = tokens.accessToken;
    const idToken: string | undefined = tokens.idToken;
    const tokenType: string = tokens.tokenType;
    const scope: string | undefined = tokens.scope;
    const expiresAt: number = tokens.expiresAt;
    void [accessToken, idToken, tokenType, scope, expiresAt];
  }
  assertType<Exact<ReturnType<AuthClient["getTokens"]>, TokenSet | undefined>>();

  const user: UserClaims | undefined = auth.getUser();
  if (user) {
    const sub: string = user.sub;
    const iss: string = user.iss;
    const aud: string | string[] = user.aud;
    const exp: number = user.exp + user.iat;
    const email: string | undefined = user.email;
    const name: string | undefined = user.name;
    const custom: unknown = user["https://example.com/roles"];
    void [sub, iss, aud, exp, email, name, custom, user.azp, user.nonce, user.email_verified];
  }
  assertType<Exact<ReturnType<AuthClient["getUser"]>, UserClaims | undefined>>();

  const res2: Response = await auth.fetch(new URL("https://api.example.com/things"), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ a: 1 }),
  });
  const res3: Response = await auth.fetch(new Request("https://api.example.com/things"));
  // A Location is taken as its href (API.md), as fetch takes it.
  const res3b: Response = await auth.fetch(window.location);

  const logoutOptions: LogoutOptions = { returnTo: "https://app.example.com/", localOnly: true };
  await auth.logout(logoutOptions);
  await auth.logout({ returnTo: new URL("https://app.example.com/"), localOnly: true });
  await auth.logout({ logoutParams: { ui_locales: "nl", logout_hint: "alice" }, idTokenHint: false });
  // @ts-expect-error logoutParams values are strings
  await auth.logout({ logoutParams: { ui_locales: 1 } });

  // UserInfo: only `sub` is certain (OIDC Core 5.3.2).
  const info: UserInfo = await auth.getUserInfo();
  const infoSub: string = info.sub;
  assertType<Exact<typeof info.iss, unknown>>();
  const made: AuthError = new AuthError("invalid_argument", "made by the app");
  console.log(infoSub, made.code);

  const unsubscribe: () => void = auth.onChange((next: TokenSet | undefined) => {
    if (next) console.log(next.expiresAt);
  });
  unsubscribe();

  // Errors.
  try {
    await uitid.getAccessToken({ minValidity: 10 });
  } catch (err) {
    if (err instanceof AuthError) {
      const code: string = err.code;
      const message: string = err.message;
      const error: string | undefined = err.error;
      const description: string | undefined = err.errorDescription;
      const asError: Error = err;
      void [code, message, error, description, asError];
    }
  }

  // Client identification.
  const ciOptions: ClientIdentificationOptions = {
    clientId: "public-id", mode: "query", headerName: "x-client-id", queryParam: "clientId",
  };
  const ci = new ClientIdentification(ciOptions);
  new ClientIdentification({ clientId: "public-id", mode: "header" });
  const headers: Record<string, string> = ci.headers();
  const applied: string = ci.apply("https://search.example.com/events");
  const res4: Response = await ci.fetch("https://search.example.com/events");
  const res5: Response = await ci.fetch("https://search.example.com/events", { headers });

  // Legacy UiTiD v1 JWT.
  const legacyOptions: LegacyJwtClientOptions = { serverUrl: "https://jwt-test.uitdatabank.be", apiKey: "key", lang: "nl" };
  const legacy = new LegacyJwtClient(legacyOptions);
  await legacy.login();
  await legacy.login("https://app.example.com/after");
  await legacy.login(window.location);
  if (legacy.isCallback()) await legacy.handleCallback();
  const jwt: string | undefined = legacy.getToken();
  const refreshed: string = await legacy.refresh();
  const legacyLoggedIn: boolean = legacy.isAuthenticated();
  const res6: Response = await legacy.fetch("https://io-test.uitdatabank.be/events");
  legacy.logout();

  // PKCE helpers.
  const pair: PkcePair = await createPkcePair();
  const method: "S256" = pair.method;
  const challenge: string = pkceChallenge(pair.verifier);
  void [url1, url2, token1, token2, res1, res2, res3, res3b, res4, res5, res6, isCallback, result, loggedIn,
    applied, jwt, refreshed, legacyLoggedIn, method, challenge];
}

// No `any` in any option or result.
assertType<Exact<IsAny<Parameters<AuthClient["buildAuthorizeUrl"]>[0]>, false>>();
assertType<Exact<IsAny<Awaited<ReturnType<AuthClient["handleRedirectCallback"]>>>, false>>();
assertType<Exact<IsAny<Awaited<ReturnType<AuthClient["getAccessToken"]>>>, false>>();
assertType<Exact<IsAny<Awaited<ReturnType<AuthClient["fetch"]>>>, false>>();
assertType<Exact<IsAny<Parameters<AuthClient["onChange"]>[0]>, false>>();
assertType<Exact<IsAny<Awaited<ReturnType<typeof createPkcePair>>>, false>>();

// The web build: init() first, then the same classes.
async function staticSite(): Promise<void> {
  await init();
  await init({ module_or_path: new URL("spa_auth_bg.wasm", import.meta.url) });
  void initSync;
  const web = new WebAuthClient({ issuer: "https://id.example.com", clientId: "c", redirectUri: location.origin + "/" });
  if (web.isCallback()) await web.handleRedirectCallback();
  const user: UserClaims | undefined = web.getUser();
  try {
    await web.getAccessToken({ minValidity: 60 });
  } catch (err) {
    if (err instanceof WebAuthError) console.log(err.code, user?.sub);
  }
}

void flows;
void staticSite;
