// spa-auth: the public API (the JavaScript driver over the wasm core). Shapes, units and errors: API.md in this package.
/** A PKCE pair (RFC 7636): a 43-character verifier and its S256 challenge. */
export interface PkcePair {
    verifier: string;
    challenge: string;
    method: "S256";
}

/** Every rejection from spa-auth: a real `Error` with a stable `code`. */
export class AuthError extends Error {
    /** `invalid_config`, `invalid_argument`, `invalid_state`, `missing_transaction`, `issuer_mismatch`, `id_token_invalid`,
     * `login_required`, `popup_blocked`, `popup_closed`, `timeout`, `network_error`, `server_error`,
     * `storage_unavailable`, `crypto_unavailable` (no
     * `crypto.getRandomValues`, or a DPoP key WebCrypto or IndexedDB cannot make, keep or sign with), or the server's own OAuth error such as `access_denied` or `invalid_grant`. */
    readonly code: string;
    /** The server's OAuth `error`, when it sent one. */
    readonly error?: string;
    /** The server's `error_description`, when it sent one. */
    readonly errorDescription?: string;
    /** spa-auth makes these; an app may too (e.g. in tests): `code` first, then the message. */
    constructor(code: string, message: string, error?: string, errorDescription?: string);
}

/** Options of `new AuthClient(options)`. */
export interface AuthClientOptions {
    /** Authorization server base URL: `https:`, or `http:` on localhost / 127.0.0.1; compared exactly with the
     * metadata's and the ID token's `iss` (Entra ID multi-tenant: `https://login.microsoftonline.com/{tenantid}/v2.0`
     * takes the token's own `tid`). */
    issuer: string | URL;
    /** Public client id. */
    clientId: string;
    /** Absolute URL registered at the server, where it sends the browser back. A `URL` in any URL option is read as
     * its `href` (as `JSON.stringify` does: `new URL("https://id.example")` is `"https://id.example/"`). */
    redirectUri: string | URL;
    /** Space-separated scopes (default `"openid profile email"`); `offline_access` asks for a refresh token. */
    scope?: string;
    /** Sent as `audience` (Auth0 style). */
    audience?: string;
    /** Where the provider metadata lives (default `{issuer}/.well-known/openid-configuration`). */
    discoveryUrl?: string | URL;
    /** Default: from discovery. With `tokenEndpoint`, skips discovery; alone, takes the discovered one's place. */
    authorizationEndpoint?: string | URL;
    /** Default: from discovery. With `authorizationEndpoint`, skips discovery; alone, takes the discovered one's place. */
    tokenEndpoint?: string | URL;
    endSessionEndpoint?: string | URL;
    revocationEndpoint?: string | URL;
    /** UserInfo (OIDC Core 5.3), for `getUserInfo()`; default from discovery (the UiTiD preset fills it in). */
    userinfoEndpoint?: string | URL;
    /** `"oidc"` (default): RP-initiated logout; `"auth0"`: `{issuer}/v2/logout`; `"cognito"`: the end-session
     * endpoint (`…amazoncognito.com/logout`) with `client_id` and `logout_uri`. */
    logoutStyle?: "oidc" | "auth0" | "cognito";
    /** Where the callback carries `code` and `state` (default `"query"`). With `"fragment"`, an error answer a
     * server put in the query instead (`error` and `state`, no `code`) is read there too. */
    responseMode?: "query" | "fragment";
    /** Where tokens live (default `"session"`: sessionStorage). */
    storage?: "session" | "memory";
    /** Clock skew allowed on ID token `exp` / `iat`, in seconds (default 60). */
    leeway?: number;
    /** Verify the ID token's signature with the provider's JWKS and WebCrypto (RS, PS and ES with SHA-256, -384 or
     * -512; EdDSA, also named Ed25519 (RFC 9864), where the browser has it); `none` and HMAC refused; a failure is `id_token_invalid` naming the
     * reason. Default `false`. */
    verifySignature?: boolean;
    /** The provider's signing keys (default: `jwks_uri` from discovery). */
    jwksUri?: string | URL;
    /** Where the server's logout sends the browser back when `logout()` names no `returnTo`
     * (`post_logout_redirect_uri`, OIDC RP-Initiated Logout 1.0; registered at the server). Default: none; with
     * `AuthClient.publiq()`, the `redirectUri` (Keycloak accepts the client's redirect URIs after a logout). */
    postLogoutRedirectUri?: string | URL;
    /** Sender-constrained tokens (RFC 9449), default `false`. `true`: a non-extractable ES256 key pair per issuer and
     * client id (and `audience`, when one is set), kept in IndexedDB (so a reload keeps it) and removed at logout; the code is bound to it
     * (`dpop_jkt`); a DPoP proof on every token, refresh, revocation and UserInfo request and on `fetch()`
     * (`Authorization: DPoP …` with `ath`); a server's `use_dpop_nonce` is answered once with its `DPoP-Nonce`; a
     * token that is not `DPoP` is refused (`server_error`). Without WebCrypto (a secure context) or IndexedDB the
     * constructor throws `invalid_config`; a key that cannot be read or kept is `crypto_unavailable`. */
    dpop?: boolean;
    /** Bound on every network step (discovery, token, refresh, revocation, UserInfo, JWK Set), in milliseconds
     * (default 10000); past it the step rejects with `timeout`, naming the step and the server's origin. */
    timeoutMs?: number;
    /** Extra authorize parameters (`prompt`, `ui_locales`, `login_hint`, …), as an object: a `Map` or a
     * `URLSearchParams`, which JSON would empty, is `invalid_config`. A `resource` (RFC 8707) is sent again with the code and every refresh, so
     * the access tokens are for that API. */
    authorizationParams?: Record<string, string>;
    /** `"shared"` (default): the tabs of this app (same origin, issuer and client id) share one session, one refresh at
     * a time, login and logout; `"isolated"`: nothing passes between tabs. `storage: "memory"` shares nothing. */
    tabs?: "shared" | "isolated";
    /** Never accepted: a secret does not belong in a browser. */
    clientSecret?: never;
}

/** Options of `checkSession`. */
export interface CheckSessionOptions {
    /** How long to wait for another open tab of this app to hand over its session, in milliseconds (default 100). */
    tabWaitMs?: number;
    /** `"redirect"`: when neither this tab nor another has a session, a top-level redirect with `prompt=none` asks
     * the provider (once per tab session); `handleRedirectCallback()` on the way back logs in, or resolves quietly
     * for `login_required`, `interaction_required`, `consent_required` and `account_selection_required`. */
    silent?: "redirect";
    /** With `silent: "redirect"`: any JSON value (e.g. `{ returnTo: location.href }`), returned by
     * `handleRedirectCallback()` on the way back, logged in or not, as a login's `appState` is (a `Map` or a `Set` in
     * it, which JSON would empty, is `invalid_argument`). */
    appState?: unknown;
}

/** Options of `loginWithPopup`. */
export interface PopupLoginOptions extends LoginOptions {
    /** How long to wait for the login in the popup, in milliseconds (default 300000); then `timeout`. */
    timeoutMs?: number;
}

/** Options of `AuthClient.publiq(options)`: UiTiD v2 fills in the issuer and endpoints. */
export type PubliqOptions = Omit<AuthClientOptions,
"issuer" | "discoveryUrl" | "authorizationEndpoint" | "tokenEndpoint" | "endSessionEndpoint" | "revocationEndpoint"
| "userinfoEndpoint" | "logoutStyle"> & {
    /** `account.uitid.be`, `account-test.uitid.be` or `account-acc.uitid.be`. */
    environment: "production" | "testing" | "acceptance";
};

/** Options of one login. */
export interface LoginOptions {
    /** Any JSON value, handed back by `handleRedirectCallback` (a `Map` or a `Set` in it, which JSON would empty, is
     * `invalid_argument`). */
    appState?: unknown;
    /** Extra authorize parameters for this login only; an `audience` other than the client's is `invalid_argument`
     * (sessions are kept per audience: make a client per API). */
    authorizationParams?: Record<string, string>;
}

/** What `handleRedirectCallback` resolves to. */
export interface RedirectLoginResult {
    appState?: unknown;
}

/** The current tokens (`expiresAt` in epoch seconds). */
export interface TokenSet {
    accessToken: string;
    idToken?: string;
    tokenType: string;
    /** The granted scope: the token answer's, or the one the login asked for when the answer left it out. */
    scope?: string;
    expiresAt: number;
}

/** Options of `getAccessToken`. */
export interface GetAccessTokenOptions {
    /** Seconds the token must stay valid: as given; by default 30, capped at half the token's lifetime. -1 refreshes
     * now, as `forceRefresh` does (keycloak-js `updateToken(-1)`). */
    minValidity?: number;
    /** Refresh even when the cached token is valid. */
    forceRefresh?: boolean;
}

/** Options of `logout`. */
export interface LogoutOptions {
    /** Where the server sends the browser after logout (`post_logout_redirect_uri`); with no end-session endpoint
     * known (Google), where the browser goes at once if it is a page of the redirect URI's origin. A `URL` or
     * `Location` counts as its `href`; a relative one (`"/"`) is made absolute against the page, as a link's `href`
     * is; one that is then no http(s) URL (`javascript:`, `mailto:`) is `invalid_argument`, nothing forgotten. */
    returnTo?: string | URL | Location;
    /** No redirect to the provider (its session stays): the tokens are forgotten (in every tab of the app with
     * `tabs: "shared"`) and the refresh token revoked when possible. */
    localOnly?: boolean;
    /** More parameters of the provider's logout URL, e.g. `{ ui_locales: "nl" }`, `logout_hint`, `state` (OIDC
     * RP-Initiated Logout 1.0 §2) or Auth0's `federated`. Names the library sets (`id_token_hint`, `client_id`,
     * `post_logout_redirect_uri`, `returnTo`, `logout_uri`) are refused: `invalid_argument`, nothing forgotten. */
    logoutParams?: Record<string, string>;
    /** `false`: leave `id_token_hint` out of the logout URL (it is RECOMMENDED, not required; `client_id` is sent),
     * for an ID token too long for the provider's URL limit (Entra ID's AADSTS90015, a 414). Default `true`. */
    idTokenHint?: boolean;
}

/** Validated ID token claims. */
export interface UserClaims {
    iss: string;
    sub: string;
    aud: string | string[];
    exp: number;
    iat: number;
    azp?: string;
    nonce?: string;
    name?: string;
    email?: string;
    email_verified?: boolean;
    [claim: string]: unknown;
}

/** UserInfo claims (OIDC Core 5.3.2): `sub` (checked against the ID token's) and what the provider releases. */
export interface UserInfo {
    sub: string;
    name?: string;
    email?: string;
    email_verified?: boolean;
    [claim: string]: unknown;
}

/** Options of `new ClientIdentification(options)`. */
export interface ClientIdentificationOptions {
    /** The public client id. */
    clientId: string;
    /** `"header"` (default, `x-client-id`) or `"query"` (`clientId`, no CORS preflight). */
    mode?: "header" | "query";
    /** Header name (default `x-client-id`). */
    headerName?: string;
    /** Query parameter name (default `clientId`). */
    queryParam?: string;
    /** Never accepted: a secret does not belong in a browser. */
    clientSecret?: never;
}

/** Options of `new LegacyJwtClient(options)` (Entry API 3's JWT provider, deprecated by publiq). */
export interface LegacyJwtClientOptions {
    /** e.g. `https://jwt.uitdatabank.be` or `https://jwt-test.uitdatabank.be`. */
    serverUrl: string;
    apiKey: string;
    lang?: "nl" | "fr" | "de";
}

/** A public OAuth 2.0 / OpenID Connect client (Authorization Code + PKCE S256); tokens in sessionStorage. */
export class AuthClient {
    /** Validates the options; throws `AuthError` (`invalid_config`) on anything unsafe or malformed. */
    constructor(options: AuthClientOptions);
    /** A client for publiq's UiTiD v2 (Keycloak realm `uitid`) in `environment`: endpoints filled in, no discovery. */
    static publiq(options: PubliqOptions): AuthClient;
    /** Creates verifier, challenge, state and nonce, stores the login, and resolves to the authorize URL. */
    buildAuthorizeUrl(options?: LoginOptions): Promise<string>;
    /** `buildAuthorizeUrl`, then `window.location.assign`. */
    loginWithRedirect(options?: LoginOptions): Promise<void>;
    /** The same login in a popup opened from the calling click; resolves to `{ appState }` once the code is redeemed
     * here with every check of `handleRedirectCallback`. `popup_blocked`, `popup_closed` (the popup reads as closed:
     * a popup that was only cut off by a later page's COOP may still answer until `timeoutMs`, and that login then
     * completes and `onChange` says so), `timeout`. */
    loginWithPopup(options?: PopupLoginOptions): Promise<RedirectLoginResult>;
    /** UserInfo (OIDC Core 5.3) with a valid access token; its `sub` must be the ID token's (`id_token_invalid`, also
     * when the session has no ID token; OIDC Core 5.3.2); a 5xx is `server_error`. A 401 (RFC 6750 §3.1), whatever its
     * error except a refused DPoP proof (Keycloak's `invalid_request` "User session not found" too), costs one refresh
     * and one more try; that try's 401 rejects with the server's error, or `server_error` when it cannot be read; a
     * refresh that cannot be had rejects with its error (`login_required`). */
    getUserInfo(): Promise<UserInfo>;
    /** Whether the URL (default: the current one) carries `code`+`state` or `error`+`state`. */
    isCallback(url?: string | URL | Location): boolean;
    /** Completes the login from the redirect back (default: the current URL; a relative one, such as
     * `location.search`, is resolved against the page's address); resolves to `{ appState }`. A second
     * call for the same callback while the first runs (React's StrictMode runs effects twice) shares its outcome;
     * once it settled, the same callback again is `invalid_state` (the state is single use). */
    handleRedirectCallback(url?: string | URL | Location): Promise<RedirectLoginResult>;
    /** A stored token set that is not expired, or that can be refreshed. */
    isAuthenticated(): boolean;
    /** Whether this tab has a usable session, or obtains one from another open tab of this app (`tabs: "shared"`). */
    checkSession(options?: CheckSessionOptions): Promise<boolean>;
    /** A valid access token: cached, or refreshed once for all concurrent callers. */
    getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
    /** The current tokens, or `undefined`. */
    getTokens(): TokenSet | undefined;
    /** The validated ID token claims, or `undefined`. */
    getUser(): UserClaims | undefined;
    /** `fetch` with `Authorization: Bearer …` (with `dpop: true`: `Authorization: DPoP …` and a `DPoP` proof, sent
     * once more when the server answers 401 `use_dpop_nonce`); on a 401 that a new token may cure, one refresh and
     * one retry, and the 401 itself when no new token can be had (no refresh token, the refresh failed).
     * `init.signal` is honoured as `fetch` does, also while a token is being refreshed (an abort rejects with its
     * reason and never triggers the refresh-and-retry). Rejects with `login_required` when there is no session, and
     * with `invalid_argument` for `mode: "no-cors"` (the browser drops `Authorization` from such a request). */
    fetch(input: RequestInfo | URL | Location, init?: RequestInit): Promise<Response>;
    /** Forgets the tokens, revokes the refresh token when possible, then goes to the server's logout. A second call
     * while one runs (a double click) gets the first one's promise. */
    logout(options?: LogoutOptions): Promise<void>;
    /** Calls `listener` with `getTokens()` after login, refresh and logout: this client's, another tab's (`tabs:
     * "shared"`), or another page's of this tab while this page was in the back/forward cache (told when it is back);
     * also when a refresh took only the server's rotated refresh token (its new ID token refused by the clock, or
     * with `verifySignature` before the signature check), which leaves `getTokens()` as it was. Returns the
     * unsubscribe function. */
    onChange(listener: (tokens: TokenSet | undefined) => void): () => void;
    /** Done with this client (a component unmounting, a hot reload): forgets its listeners at once, and closes its tab
     * channel and releases its wasm memory once the operations under way ended (a callback or refresh another client
     * shares still completes, and the other tabs hear of it). With `tabs: "shared"` the open channel keeps an unused
     * client alive: call `free()`. A second call does nothing; any other call afterwards throws (or its promise
     * rejects with) `invalid_state`. */
    free(): void;
}

/** A public client id on API calls (publiq's Search API, UiTPAS): header or query parameter. */
export class ClientIdentification {
    /** Validates the options; throws `AuthError` (`invalid_config`). */
    constructor(options: ClientIdentificationOptions);
    /** `{ [headerName]: clientId }` in header mode, `{}` in query mode. */
    headers(): Record<string, string>;
    /** `url` with the client id parameter in query mode; unchanged in header mode. */
    apply(url: string | URL | Location): string;
    /** `fetch` with the client id added; the caller's headers and parameters are kept. In header mode a
     * `mode: "no-cors"` request is `invalid_argument` (the browser would drop the header). */
    fetch(input: RequestInfo | URL | Location, init?: RequestInit): Promise<Response>;
    /** Releases the wasm memory now; a second call does nothing, any other call afterwards throws (or rejects with) `invalid_state`. */
    free(): void;
}

/** publiq's legacy UiTiD v1 JWT flow (Entry API 3, deprecated by publiq), for apps still migrating to UiTiD v2. */
export class LegacyJwtClient {
    /** Validates the options; throws `AuthError` (`invalid_config`). */
    constructor(options: LegacyJwtClientOptions);
    /** Redirects to `{serverUrl}/connect?apiKey=…&destination=…` (destination default: this page). */
    login(destination?: string | URL | Location): Promise<void>;
    /** Whether the URL (default: the current one) carries `?jwt=`. */
    isCallback(url?: string | URL | Location): boolean;
    /** Reads `?jwt=` (and `&refresh=`), checks it, stores it, and scrubs the address bar (a relative `url`, such as
     * `location.search`, is resolved against the page). */
    handleCallback(url?: string | URL | Location): Promise<void>;
    /** A JWT that has not expired, or a refresh token to get one. */
    isAuthenticated(): boolean;
    /** The JWT while it has not expired, else `undefined`. */
    getToken(): string | undefined;
    /** `GET {serverUrl}/refresh`: resolves to the new JWT. */
    refresh(): Promise<string>;
    /** `fetch` with `Authorization: Bearer <jwt>` and `X-Api-Key`; refreshes an expired JWT first, and on a 401
     * refreshes once and retries once (the 401 itself when no new JWT can be had). `init.signal` is honoured;
     * `mode: "no-cors"` is `invalid_argument` (the browser would drop both headers). */
    fetch(input: RequestInfo | URL | Location, init?: RequestInit): Promise<Response>;
    /** Forgets the session here. */
    logout(): void;
    /** Releases the wasm memory now; a second call does nothing, any other call afterwards throws (or rejects with) `invalid_state`. */
    free(): void;
}

/** A fresh verifier (32 random bytes, base64url) and its S256 challenge. */
export function createPkcePair(): Promise<PkcePair>;

/** The S256 challenge of `verifier` (43 to 128 unreserved characters, RFC 7636); throws `AuthError` otherwise. */
export function pkceChallenge(verifier: string): string;
