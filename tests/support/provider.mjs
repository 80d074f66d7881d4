// A real OpenID provider (oidc-provider 9.x) on 127.0.0.1 for the end-to-end tests and the demo.
//
// Login and consent go through oidc-provider's development pages (any login, any password; the
// login becomes `sub`). Every request the library makes is counted, and every token request is
// logged with the refresh token it sent and the one it got, so tests can assert on the wire.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

import { listen, closeServer } from './net.mjs';

const ZERO_COUNTERS = () => ({
  discovery: 0,
  jwks: 0,
  authorization: 0,
  token: { authorization_code: 0, refresh_token: 0, other: 0 },
  revocation: 0,
  endSession: 0,
  endSessionConfirm: 0,
  userinfo: 0,
});

/** A public browser client, as oidc-provider metadata. */
function publicClient({ clientId, redirectUris, postLogoutRedirectUris = [], signedUserInfo = false }) {
  return {
    ...(signedUserInfo ? { userinfo_signed_response_alg: 'RS256' } : {}),
    client_id: clientId,
    application_type: 'web',
    token_endpoint_auth_method: 'none', // public: PKCE (S256) is then required by default
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
  };
}

/** The resource server stand-in (tests/support/api.mjs): a confidential client that may only introspect. */
export const RESOURCE_SERVER = { clientId: 'api-stand-in', clientSecret: crypto.randomBytes(24).toString('base64url') };

/** Claims for any login: the login is the subject. */
function account(id) {
  const name = id.charAt(0).toUpperCase() + id.slice(1);
  return {
    accountId: id,
    async claims() {
      return { sub: id, name, email: `${id}@example.test`, email_verified: true };
    },
  };
}

/**
 * Start the provider.
 * @param {object} o
 * @param {number} [o.port=0] 0 picks a free port
 * @param {{clientId:string, redirectUris:string[], postLogoutRedirectUris?:string[]}[]} o.clients
 * @param {number} [o.accessTokenTtl=3600] seconds
 * @param {boolean|'consent'} [o.coop=false] send `Cross-Origin-Opener-Policy: same-origin` on every answer, as
 *   django-oauth-toolkit and many hardened providers do (it cuts a login popup off from its opener); `'consent'`:
 *   on the consent page only (a later page of the login, as a federated provider's would be)
 * @param {boolean} [o.dpopNonce=false] DPoP proofs at the token endpoint must carry the provider's nonce (RFC 9449
 *   §8): a proof without one is answered 400 `use_dpop_nonce` with a `DPoP-Nonce` header
 * @param {boolean} [o.signedUserInfo=false] UserInfo answers as JWTs signed RS256 (`application/jwt`)
 * @param {string} [o.resource] an API (RFC 8707 resource indicators): token requests that name it get JWT access
 *   tokens for it (scope `api:read`), others a token for UserInfo only
 */
export async function startProvider({
  port = 0, clients, accessTokenTtl = 3600, coop = false, dpopNonce = false, resource, signedUserInfo = false,
} = {}) {
  const server = http.createServer();
  const actualPort = await listen(server, port);
  const issuer = `http://127.0.0.1:${actualPort}`;

  const provider = new Provider(issuer, {
    clients: [...clients.map((client) => publicClient({ ...client, signedUserInfo })), {
      client_id: RESOURCE_SERVER.clientId,
      client_secret: RESOURCE_SERVER.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    }],
    findAccount: (_ctx, id) => account(id),
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    // With `true` (the default) scope-requested claims go only to userinfo when an access token is
    // issued too; the library's getUser() reads the ID token, so put them there.
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access', 'profile', 'email', ...(resource ? ['api:read'] : [])],
    // oidc-provider drops `offline_access` from an authorize request without `prompt=consent`
    // (OIDC Core 11), and by default issues refresh tokens only for offline_access. Like Keycloak,
    // issue one on every code grant instead, so the normal login + consent flow yields one; such a
    // refresh token is bound to the provider session (expiresWithSession) and dies at logout.
    // Public clients' refresh tokens rotate on every use (default rotateRefreshToken), and reusing
    // a rotated one is invalid_grant and revokes the whole grant.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    responseTypes: ['code'], // the library does the code flow only
    clientBasedCORS(_ctx, origin, client) {
      // Browser calls (token, revocation, userinfo) only from the origins the client redirects to.
      return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
    },
    // The default 15 s tolerance keeps accepting tokens (at userinfo too) that long after `exp`;
    // the expiry tests want tokens to die on time.
    clockTolerance: 0,
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: true },
      // DPoP (RFC 9449) is on by default in oidc-provider 9: a token request with a proof gets a DPoP-bound token.
      dPoP: dpopNonce
        ? { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true }
        : { enabled: true },
      // For the resource server stand-in: it learns whether a token is active and which key it is bound to.
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientId === RESOURCE_SERVER.clientId },
      revocation: { enabled: true },
      // An API (RFC 8707) whose access tokens are JWTs for it, with scope `api:read`; any other resource is
      // `invalid_target`, and a token request that names none gets a token for UserInfo only (oidc-provider's default
      // `useGrantedResource`).
      ...(resource ? {
        resourceIndicators: {
          enabled: true,
          getResourceServerInfo: (_ctx, identifier) => {
            if (identifier !== resource) throw new errors.InvalidTarget();
            return { scope: 'api:read', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 3600 };
          },
        },
      } : {}),
      rpInitiatedLogout: { enabled: true },
      userinfo: { enabled: true },
      // UserInfo as a JWT signed RS256 (OIDC Core 5.3.2) for the clients, with `signedUserInfo`.
      jwtUserinfo: { enabled: signedUserInfo },
    },
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  });

  let counters = ZERO_COUNTERS();
  /** @type {{grantType:string, status:number, dpop:boolean, tokenType?:string, error?:string, refreshTokenSent?:string, refreshTokenIssued?:string}[]} */
  const tokenLog = [];
  /** Revocation requests: their status and whether they carried a DPoP proof. */
  const revocationLog = [];

  if (coop) {
    provider.use(async (ctx, next) => {
      await next();
      const consentPage = ctx.method === 'GET' && ctx.path.startsWith('/interaction/')
        && typeof ctx.body === 'string' && ctx.body.includes('Continue');
      if (coop !== 'consent' || consentPage) ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    });
  }

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method === 'OPTIONS') return;
    switch (ctx.oidc?.route) {
      case 'discovery': counters.discovery += 1; break;
      case 'jwks': counters.jwks += 1; break;
      case 'authorization': counters.authorization += 1; break;
      case 'revocation':
        counters.revocation += 1;
        revocationLog.push({ status: ctx.status, dpop: Boolean(ctx.get('DPoP')) });
        break;
      case 'end_session': counters.endSession += 1; break;
      case 'end_session_confirm': counters.endSessionConfirm += 1; break;
      case 'userinfo': counters.userinfo += 1; break;
      case 'token': {
        const grantType = ctx.oidc.params?.grant_type;
        const key = grantType in counters.token ? grantType : 'other';
        counters.token[key] += 1;
        const body = typeof ctx.body === 'object' && ctx.body ? ctx.body : {};
        tokenLog.push({
          grantType,
          status: ctx.status,
          dpop: Boolean(ctx.get('DPoP')),
          tokenType: body.token_type,
          error: body.error,
          refreshTokenSent: ctx.oidc.params?.refresh_token,
          refreshTokenIssued: body.refresh_token,
        });
        break;
      }
      default: break;
    }
  });

  server.on('request', provider.callback());

  return {
    issuer,
    port: actualPort,
    get counters() { return counters; },
    tokenLog,
    revocationLog,
    resetCounters() {
      counters = ZERO_COUNTERS();
      tokenLog.length = 0;
      revocationLog.length = 0;
    },
    close: () => closeServer(server),
  };
}
