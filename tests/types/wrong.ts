// Mistakes a user makes, which the package's types must catch: `tsc --noEmit --strict` must FAIL on
// this file, with one error on each line marked `// error TSxxxx` and nowhere else
// (tests/e2e/adoption-types.test.mjs checks both).
import { AuthClient, ClientIdentification, type AuthClientOptions } from "spa-auth";
import { AuthClient as WebAuthClient } from "spa-auth/web";

const base = { issuer: "https://id.example.com", clientId: "my-spa", redirectUri: "https://app.example.com/" };

// A wrong option name (oidc-client-ts and auth0-spa-js habits).
new AuthClient({ issuer: base.issuer, clientId: "my-spa", redirectUrl: "https://app.example.com/" }); // error TS2561
new AuthClient({ ...base, client_id: "my-spa" }); // error TS2561
new WebAuthClient({ ...base, responseType: "code" }); // error TS2353

// A wrong option value type.
new AuthClient({ ...base, leeway: "60" }); // error TS2322
new AuthClient({ ...base, storage: "local" }); // error TS2322
new AuthClient({ ...base, responseMode: "form_post" }); // error TS2322
new AuthClient({ ...base, authorizationParams: { max_age: 0 } }); // error TS2322

// A required option missing.
const missing: AuthClientOptions = { issuer: base.issuer, clientId: "my-spa" }; // error TS2741

// A client secret never fits.
new AuthClient({ ...base, clientSecret: "s3cret" }); // error TS2322

// Wrong method options and results.
async function misuse(auth: AuthClient): Promise<void> {
  await auth.getAccessToken({ minValidity: "30" }); // error TS2322
  await auth.logout({ returnUrl: "/" }); // error TS2353
  AuthClient.publiq({ ...base, environment: "testing", userinfoEndpoint: "https://x/userinfo" }); // error TS2353
  const token: number = await auth.getAccessToken({}); // error TS2322
  const expires: string = auth.getTokens()!.expiresAt; // error TS2322
  const email: number | undefined = auth.getUser()?.email; // error TS2322
  AuthClient.publiq({ environment: "staging", clientId: "c", redirectUri: "https://a.example/" }); // error TS2322
  new ClientIdentification({ clientId: "c", mode: "cookie" }); // error TS2322
  void [token, expires, email, missing];
}
void misuse;
