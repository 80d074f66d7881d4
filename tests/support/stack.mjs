// The whole test world: provider, protected API and the static server for www/ + pkg/,
// wired together (the SPA client redirects back to the static origin).
import { startApi } from './api.mjs';
import { startProvider } from './provider.mjs';
import { startStatic } from './static.mjs';

export const CLIENT_ID = 'spa-demo';
export const SCOPE = 'openid profile email offline_access';

/**
 * @param {object} [o]
 * @param {number} [o.accessTokenTtl=3600] seconds
 * @param {{provider?:number, api?:number, www?:number}} [o.ports] 0 = any free port
 */
export async function startStack({ accessTokenTtl = 3600, ports = {} } = {}) {
  let provider;
  let api;
  const www = await startStatic({
    port: ports.www ?? 0,
    config: (origin) => ({
      issuer: provider.issuer,
      clientId: CLIENT_ID,
      redirectUri: `${origin}/`,
      postLogoutRedirectUri: `${origin}/`,
      scope: SCOPE,
      apiUrl: `${api.url}/api/hello`,
    }),
  });
  try {
    provider = await startProvider({
      port: ports.provider ?? 0,
      accessTokenTtl,
      clients: [{
        clientId: CLIENT_ID,
        redirectUris: [`${www.origin}/`],
        postLogoutRedirectUris: [`${www.origin}/`],
      }],
    });
    api = await startApi({ port: ports.api ?? 0, issuer: provider.issuer, allowedOrigins: [www.origin] });
  } catch (err) {
    await Promise.all([www.close(), provider?.close()]);
    throw err;
  }

  return {
    provider,
    api,
    www,
    clientId: CLIENT_ID,
    /** sessionStorage key of the token set, as API.md names it */
    tokensKey: `spa-auth:${CLIENT_ID}:tokens`,
    close: () => Promise.all([www.close(), provider.close(), api.close()]),
  };
}
