/** Every rejection from spa-auth: a real Error with a stable `code` (see API.md), and the server's words. */
export class AuthError extends Error {
  constructor(code, message, error, errorDescription) {
    super(message);
    this.name = "AuthError";
    this.code = code;
    if (error !== undefined) this.error = error;
    if (errorDescription !== undefined) this.errorDescription = errorDescription;
  }
}
// The class keeps its name in the minified package (`err.constructor.name`, devtools).
Object.defineProperty(AuthError, "name", { value: "AuthError" });
