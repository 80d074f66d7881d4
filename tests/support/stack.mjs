// The whole test world: provider, protected API and the static server for www/ + pkg/,
// wired together (the SPA client redirects back to the static origin), plus a stand-in for publiq's
// Search API (client identification, no user token).
import { startApi } from './api.mjs';
import { startProvider } from './provider.mjs';
import { startSearchApi } from './search-api.mjs';
import { startStatic } from './static.mjs';

export const CLIENT_ID = 'spa-demo';
export const SCOPE = 'openid profile email offline_access';

/**
 * @param {object} [o]
 * @param {number} [o.accessTokenTtl=3600] seconds
 * @param {{provider?:number, api?:number, www?:number, searchApi?:number}} [o.ports] 0 = any free port
 * @param {string} [o.wwwDir] the app served at `/` (default: the repo's www/; the adoption tests serve examples/)
 * @param {boolean|'consent'} [o.coop=false] the provider sends `Cross-Origin-Opener-Policy: same-origin` (`'consent'`:
 *   on its consent page only)
 * @param {boolean} [o.dpopNonce=false] the provider demands its DPoP nonce at the token endpoint
 * @param {boolean} [o.dpop=false] /config.json asks the app for DPoP (`dpop: true`) and names the DPoP-checking
 *   API route (/api/dpop) as its API
 * @param {boolean} [o.verifySignature=false] /config.json asks the app to verify ID token signatures
 * @param {boolean} [o.signedUserInfo=false] the provider answers UserInfo with JWTs signed RS256
 * @param {string} [o.resource] the provider issues JWT access tokens for this API (RFC 8707) to token requests that
 *   name it
 */
export async function startStack({
  accessTokenTtl = 3600, ports = {}, wwwDir, coop = false, dpopNonce = false, dpop = false, verifySignature = false,
  resource, signedUserInfo = false,
} = {}) {
  let provider;
  let api;
  let searchApi;
  const www = await startStatic({
    port: ports.www ?? 0,
    ...(wwwDir ? { wwwDir } : {}),
    config: (origin) => ({
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      redirectUri: `${origin}/`,
      postLogoutRedirectUri: `${origin}/`,
      scope: SCOPE,
      apiUrl: `${api.url}/api/${dpop ? 'dpop' : 'hello'}`,
      ...(dpop ? { dpop: true } : {}),
      ...(verifySignature ? { verifySignature: true } : {}),
      searchApiUrl: searchApi.url,
    }),
  });
  try {
    provider = await startProvider({
      port: ports.provider ?? 0,
      accessTokenTtl,
      coop,
      dpopNonce,
      resource,
      signedUserInfo,
      clients: [{
        clientId: CLIENT_ID,
        redirectUris: [`${www.origin}/`],
        postLogoutRedirectUris: [`${www.origin}/`],
      }],
    });
    api = await startApi({ port: ports.api ?? 0, issuer: provider.issuer, allowedOrigins: [www.origin] });
    searchApi = await startSearchApi({ port: ports.searchApi ?? 0 });
  } catch (err) {
    await Promise.all([www.close(), provider?.close(), api?.close()]);
    throw err;
  }

  return {
    provider,
    api,
    searchApi,
    www,
    clientId: CLIENT_ID,
    /** sessionStorage key of the token set, as API.md names it */
    tokensKey: `spa-auth:${CLIENT_ID}:tokens`,
    close: () => Promise.all([www.close(), provider.close(), api.close(), searchApi.close()]),
  };
}
