// spa-auth's JavaScript driver: the public classes of the npm package and the script-tag build.
//
// It holds no protocol knowledge. The wasm core decides everything (what to request, what to store, what to
// return) and is advanced step by step: `step.next(status, text)` answers `{ fetch, body? }`, `{ navigate }` or
// `{ done }`, or gives an AuthError, which `ok` throws. This file is the only place that awaits: it runs that loop with `fetch`,
// shares one refresh per token key, and calls listeners when the session changed.
import {
  Core, IdentificationCore, LegacyCore, pkcePairOf, pkceChallengeOf,
} from "./spa_auth_core.js";
import { AuthError } from "__AUTH_ERROR__";
import { loadKey, removeKey, signProof, verifySignature } from "./webcrypto.js";

export { AuthError };

// Argument checks: whatever JavaScript passes, the core gets only strings, numbers and booleans it can read (a
// `URL` or `Location` counts as its `href`, as `fetch` takes it); anything else of the wrong type is
// `invalid_argument` naming the argument, never a trap (API.md, "Methods").

/** Whether `test()` is true; false when it throws (a revoked Proxy throws at `instanceof` and `Array.isArray`). */
function passes(test) {
  try {
    return test();
  } catch {
    return false;
  }
}

/** What a JavaScript value is, in the words of an error message; a short string is quoted as it is. */
function describe(value) {
  if (typeof value === "string") return value.length <= 40 ? `"${value}"` : "a string";
  if (value === null || value === undefined || (typeof value === "number" && !Number.isFinite(value))) return String(value);
  if (passes(() => Array.isArray(value))) return "an array";
  const type = typeof value;
  if (type !== "object") return `a ${type}`;
  const tag = tagOf(value);
  return tag === "Object" || tag === undefined ? "an object" : `${/^[AEIO]/.test(tag) ? "an" : "a"} ${tag} object`;
}

/** The type tag of an object (`Object`, `Map`, `URLSearchParams`, `URL`, `Location`, …); `undefined` when reading it
 * throws (a revoked Proxy). */
function tagOf(value) {
  try {
    return Object.prototype.toString.call(value).slice(8, -1);
  } catch {}
}

/** Whether `value` is a collection whose entries JSON would drop, leaving `{}` without a word: a `Map`, a `Set`, a
 * `URLSearchParams`, a `Headers`, a `FormData` (what apps hold parameters in). */
function emptiedByJson(value) {
  return typeof value === "object" && /^(Map|Set|WeakMap|WeakSet|URLSearchParams|Headers|FormData)$/.test(tagOf(value));
}

/** `invalid_argument` (or `code`): "`{what}` must be {expected}, got {what it got}." */
function invalid(what, expected, value, code = "invalid_argument") {
  return new AuthError(code, `\`${what}\` must be ${expected}, got ${describe(value)}.`);
}

/** A URL given as a string, a `URL` (of any window) or a `Location`, as a string; `undefined` for `undefined` and
 * `null`. Objects that only pretend to be one (their prototype, a `toStringTag`) give no string and are refused. */
function urlOf(value, what) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  let href;
  try {
    href = URL.prototype.toString.call(value); // the URL's own href; throws for anything but a real URL
  } catch {
    try {
      if (Object.prototype.toString.call(value) === "[object Location]") href = value.href;
    } catch {}
  }
  if (typeof href === "string") return href;
  throw invalid(what, "a URL string, a URL or a Location", value);
}

/** An object whose tag is `[object Object]`: a literal or a class instance, not an array, a function, a `URL`, a
 * `Location` or a `Request`; what options are written as. A Proxy whose traps throw is none. */
function isPlainObject(value) {
  return typeof value === "object" && value !== null && passes(() => Object.prototype.toString.call(value) === "[object Object]");
}

/** An options argument: `undefined` and `null` give `undefined`; anything but a plain object is refused. */
function optionsOf(value, what) {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw invalid(what, "an object", value);
  return value;
}

/** `options[name]` (`options` from `optionsOf`); a getter that throws is an `AuthError` (`code`) naming it. */
function member(options, name, code = "invalid_argument") {
  try {
    return options?.[name];
  } catch (e) {
    throw new AuthError(code, `\`${name}\` could not be read: ${e?.message ?? e}`);
  }
}

/** An options object as JSON text for the core (`undefined`: none): getters, proxies and `toJSON` (a `URL` becomes
 * its `href`) run once, here, where their exceptions are caught. `code`: `invalid_config` for constructors. */
function optionsText(value, what, code) {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw new AuthError(code, `${what} must be an object, got ${describe(value)}.`);
  let text;
  try {
    const top = withInherited(value);
    // JSON would turn NaN and Infinity into null (read as "not given") and drop an option that is `undefined`
    // (a `clientSecret` from an unset environment variable too): a constructor refuses the first, and the second
    // is kept as null. (A method's options may hold numbers the driver reads itself, `timeoutMs: Infinity` too.)
    // A symbol or a function, which JSON drops (as other libraries' options spread in may hold), is dropped, except
    // under a client secret's name (in any spelling): there it goes on as "" for the core to refuse by its name.
    text = JSON.stringify(top, function (name, v) {
      const type = typeof v;
      if ((type === "symbol" || type === "function") && isSecretName(name)) return "";
      if (type === "bigint" || (code === "invalid_config" && type === "number" && !Number.isFinite(v))) {
        throw invalid(name, name === "leeway" || name === "timeoutMs" ? "a finite number" : "JSON data", v, code);
      }
      // `authorizationParams: new URLSearchParams(…)` would reach the core as `{}`: its prompt, max_age or
      // organization (and their checks) silently gone. (Other options the core does not read pass as they are.)
      if (this === top && /^(authorization|logout)Params$/.test(name) && emptiedByJson(v)) {
        throw invalid(name, "a plain object (JSON would empty it)", v, code);
      }
      return v === undefined && this === top ? null : v;
    });
  } catch (e) {
    if (e instanceof AuthError) throw e;
  }
  if (typeof text !== "string") {
    throw new AuthError(code, `${what} could not be read as plain data (a cycle, a BigInt or a getter that throws).`);
  }
  return text;
}

/** Whether `name` is a client secret's, in any spelling (`clientSecret`, `client_secret`, `CLIENT-SECRET`, …). */
function isSecretName(name) {
  return name.replace(/[-_ ]/g, "").toLowerCase() === "clientsecret";
}

/** `value`, or for an object made by a class or `Object.create`, or with a client secret `defineProperty` hid, a
 * plain copy that has its inherited and hidden members too (`class Config { get clientId() {…} }`), which `JSON.stringify`
 * would skip: every option is seen, a `clientSecret` getter too. */
function withInherited(value) {
  const proto = Object.getPrototypeOf(value);
  const hidden = Object.getOwnPropertyNames(value).some((name) => isSecretName(name) && !Object.prototype.propertyIsEnumerable.call(value, name));
  if (((proto === Object.prototype || proto === null) && !hidden) || typeof value.toJSON === "function") return value;
  const copy = {};
  for (let o = value; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== "constructor" && !(name in copy)) copy[name] = value[name];
    }
  }
  return copy;
}

/** An optional boolean option. */
function flag(value, what) {
  if (value !== undefined && value !== null && typeof value !== "boolean") throw invalid(what, "a boolean", value);
  return value === true;
}

/** `value`, unless the core gave an `AuthError` instead (its calls that can fail give one, not throw it: a
 * `Result` from wasm costs each call a glue of its own, README "Size history"); that is thrown. */
function ok(value) {
  // Any `Error`: no result of the core is one, and a bundler that duplicated AuthError's module cannot turn an
  // error into a value.
  if (value instanceof Error) throw value;
  return value;
}

/** A fresh PKCE pair: a verifier of 32 random bytes (base64url) and its S256 challenge. */
export function createPkcePair() {
  try {
    return loaded(pkcePairOf);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The S256 challenge of `verifier` (43 to 128 unreserved characters); throws `AuthError` otherwise. */
export function pkceChallenge(verifier) {
  if (typeof verifier !== "string") throw invalid("verifier", "a string", verifier);
  return loaded(() => ok(pkceChallengeOf(verifier)));
}

/** A DPoP proof: the core's signing input (header and claims) signed with the private key. */
async function prove(key, input) {
  try {
    return await signProof(key, input);
  } catch (e) {
    throw new AuthError("crypto_unavailable", `WebCrypto could not sign the DPoP proof: ${e?.message ?? e}`);
  }
}

/** Runs a core step to its end, each request bounded by `ms` (with `key`'s proofs when the core asks for them);
 * resolves to its `done` value. */
async function run(step, ms, key) {
  let status = 0;
  let text = "";
  let nonce;
  let challenge;
  let verified;
  try {
    for (;;) {
      const action = ok(verified === undefined ? step.next(status, text, nonce, challenge) : step.verified(verified));
      if ("done" in action) return action.done;
      status = 0;
      text = "";
      nonce = challenge = verified = undefined;
      if (action.verify !== undefined) {
        verified = await verifySignature(action.verify);
        continue;
      }
      if (action.navigate !== undefined) {
        window.location.assign(action.navigate);
        continue;
      }
      const headers = { Accept: "application/json" };
      if (action.authorization !== undefined) headers.Authorization = action.authorization;
      if (action.dpop !== undefined) headers.DPoP = await prove(key, action.dpop);
      // Never an answer from the HTTP cache (a key set fetched again after a key rotation must be the new one).
      const init = { headers, signal: timeoutSignal(ms), cache: "no-cache" };
      if (action.body !== undefined) {
        headers["Content-Type"] = "application/x-www-form-urlencoded";
        // A redirect is not followed with a code, verifier or refresh token in the body (a 307 or 308 would send
        // them on, to any origin): the core reads it as a redirect (-3).
        Object.assign(init, { method: "POST", body: action.body, redirect: "manual" });
      }
      try {
        const response = await fetch(action.fetch, init);
        status = response.type === "opaqueredirect" ? -3 : response.status;
        nonce = response.headers.get("DPoP-Nonce") ?? undefined;
        challenge = response.headers.get("WWW-Authenticate") ?? undefined;
        text = await response.text();
      } catch (e) {
        status = e?.name === "TimeoutError" ? -2 : -1;
      }
    }
  } finally {
    step.free();
  }
}

/** A signal that aborts after `ms` with a `TimeoutError`: `AbortSignal.timeout`, or where it is missing (Safari
 * before 16) the same by a timer, so `timeoutMs` bounds every request there too. */
function timeoutSignal(ms) {
  if (AbortSignal.timeout) return AbortSignal.timeout(ms);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException("The request took too long.", "TimeoutError")), ms);
  return controller.signal;
}

/** `make()`, the first call into the wasm: before the web build's `init()` (or in server-side rendering, where no
 * `init()` ran) wasm-bindgen's glue fails with a `TypeError`; that is an `AuthError` that says what to do. */
function loaded(make) {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    const error = new AuthError("invalid_config", "spa-auth's WebAssembly is not loaded: with `spa-auth/web` (and in "
      + "server-side rendering) call `await init()` first, in the browser.");
    error.cause = e;
    throw error;
  }
}

/** The core of a freed client (`free()`): every use is an `AuthError`, not wasm-bindgen's null-pointer `Error`. */
const FREED = new Proxy({}, {
  get() {
    throw freedError();
  },
});

function freedError() {
  return new AuthError("invalid_state", "This client was freed (`free()`): make a new one.");
}

/** `url` resolved against the page's address (`location.href`); as it is when it is empty or no URL (the core then
 * says why: an empty one never stands for the address bar). */
function resolved(url) {
  try {
    return url && new URL(url, window.location.href).href;
  } catch {
    return url;
  }
}

/** `new Request(input, init)` for the app's own calls; a wrong type is `invalid_argument`. */
function toRequest(input, init) {
  if (init !== undefined && init !== null && !(typeof init === "object" && passes(() => !Array.isArray(init)))) {
    throw invalid("init", "an object", init);
  }
  let url;
  if (!passes(() => input instanceof Request)) {
    try {
      url = urlOf(input, "input");
    } catch {}
    if (url === undefined) throw invalid("input", "a URL string, a URL, a Location or a Request", input);
  }
  try {
    return new Request(url ?? input, init ?? undefined);
  } catch (e) {
    throw new AuthError("invalid_argument", `fetch(): \`input\` and \`init\` do not make a valid Request: ${e?.message}`);
  }
}

/** `request`, which the library will send with headers of its own (`Authorization`, `DPoP`, the client id): a
 * `mode: "no-cors"` one is refused, since the browser silently drops such headers from it (Fetch, "no-cors"
 * request-header guard) and the call would go out without them. */
function headed(request) {
  if (request.mode === "no-cors") {
    throw invalid("mode", "\"cors\" or \"same-origin\" (the browser drops the headers the library adds from a \"no-cors\" request)", request.mode);
  }
  return request;
}

/**
 * Sends a clone of `request` (the original stays unsent, so its body can be replayed) with `headers` set. The
 * caller's `signal` is honoured as `fetch` does: its abort rejects with the signal's reason (an `AbortError`).
 */
async function send(request, headers) {
  try {
    const attempt = request.clone();
    for (const [name, value] of Object.entries(headers)) attempt.headers.set(name, value);
    return await fetch(attempt);
  } catch (e) {
    if (request.signal.aborted) throw request.signal.reason ?? e;
    throw new AuthError("network_error", "The request failed (offline, CORS, or its body was already used).");
  }
}

/** Whether `response` came from another origin than `request` was sent to (a redirect): the browser dropped the
 * `Authorization` header on the way, so a 401 there is nothing a new token could cure. */
function redirectedAway(request, response) {
  return response.redirected && passes(() => new URL(response.url).origin !== new URL(request.url).origin);
}

/** What `fetch` rejects with for an aborted `signal`: its reason, or an `AbortError`. */
function abortReason(signal) {
  return signal.reason ?? new DOMException("The request was aborted.", "AbortError");
}

/** `promise`, or at once the rejection `fetch` gives when `signal` aborts first (the promise runs on: a refresh
 * other callers share is not cut short). */
function abortable(promise, signal) {
  if (signal.aborted) {
    promise.catch(() => {}); // its outcome no longer matters to anyone here
    return Promise.reject(abortReason(signal));
  }
  return new Promise((resolve, reject) => {
    const abort = () => reject(abortReason(signal));
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

/**
 * The second attempt of an app's request refused with a 401 (`refused`, sent with `token`): with the token from
 * `tokenFor(stale)` (`stale`: the refused token is still the current one, so a refresh is due), or `refused`
 * itself when no new token can be had (no refresh token, the refresh failed). Never a third attempt.
 */
async function retried(request, refused, token, current, tokenFor, sendWith) {
  let next;
  try {
    next = await abortable(tokenFor(current === token), request.signal);
  } catch (e) {
    if (request.signal.aborted) throw e;
    return refused; // the server's own answer tells the app more than "log in again" would
  }
  await refused.body?.cancel().catch(() => {});
  return sendWith(next);
}

/** `request` sent to `url` instead, everything else as it was; its body read whole (a `Request`'s body passed on as
 * a stream would need `duplex: "half"`, which browsers send only over HTTP/2). */
async function readdressed(request, url) {
  try {
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.clone().arrayBuffer();
    return new Request(url, {
      method: request.method, headers: request.headers, body, mode: request.mode, credentials: request.credentials,
      cache: request.cache, redirect: request.redirect, referrer: request.referrer, referrerPolicy: request.referrerPolicy,
      integrity: request.integrity, keepalive: request.keepalive, signal: request.signal,
    });
  } catch (e) {
    throw new AuthError("invalid_argument", `fetch(): the request could not be re-addressed with the client id (its body was already used?): ${e?.message ?? e}`);
  }
}

/** The refresh in flight for each token key: every client of one client id on the page shares it. */
const flights = new Map();

/** A provider that sends `Cross-Origin-Opener-Policy` cuts the login popup off from its opener as soon as its first
 * page loads, and the opener then reads `popup.closed` as true. A popup seen on the provider's page before it closed
 * was not cut off then; one that closed without being seen there is taken as cut off within this time, and as
 * closed by the user after it. */
const SEVERED_MS = 3000;

/** How long the redirect page in a popup waits for the opener to take its answer. */
const POPUP_TAKEN_MS = 5000;

/** How long a tab that waited for the refresh lock waits for the other tabs' answer before it refreshes itself. */
const WAITED_ASK_MS = 250;
/** How long after its "hello" a new client waits for the other tabs' answers before its first refresh. */
const HELLO_MS = 100;

/** The longest delay `setTimeout` keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2147483647;

/** The replies `Core.hear` asks for: its bit, and the kind of message to send. */
/** How many popup windows this page opened: each gets a name of its own. */
let popups = 0;
const TAB_REPLIES = [[8, "here"], [16, "logged-out"], [32, "session"]];

/** The redirect callback this page is handling (`key`: the client's token key; `href` resolved, `scrubbed` as left
 * in the address bar; `result`: its promise), so a second call for the same callback while it runs (React's
 * StrictMode runs effects twice) shares its outcome instead of failing on its spent state. */
let lastCallback;

/** `appState` as JSON text for the core (`undefined`: none); anything JSON cannot carry is `invalid_argument`. */
function appStateText(appState) {
  if (appState === undefined) return undefined;
  let state;
  try {
    state = JSON.stringify(appState, (name, v) => {
      if (emptiedByJson(v)) throw invalid("appState", "a JSON value (JSON would empty it)", v);
      return v;
    });
  } catch (e) {
    if (e instanceof AuthError) throw e;
  }
  if (typeof state !== "string") throw invalid("appState", "a JSON value", appState);
  return state;
}

/** A public OAuth 2.0 / OpenID Connect client (Authorization Code + PKCE). */
export class AuthClient {
  #core;
  #listeners = new Set();
  /** The session text the listeners (and the other tabs) last heard of. */
  #heard;
  /** This app's tabs (`tabs: "shared"`): session, logout and "ask" messages; see `#hear`. */
  #channel;
  /** Resolvers of `#ask` calls waiting for another tab's answer. */
  #waiting = new Set();
  /** Whether another tab of this app (or another client of it in this tab) was heard from. */
  #others = false;
  /** When this client said "hello" to the other tabs (`performance.now()`), if it did. */
  #helloAt;
  /** `dpop: true`: the key pair, once loaded (a Promise). */
  #key;
  /** `dpop: true`: the key's IndexedDB name (fixed for the client's lifetime); otherwise `undefined`. */
  #keyName;
  /** Operations under way (`#hold`): `free()` releases the core once they ended. */
  #busy = 0;
  #freed = false;
  /** The window's `pageshow` listener (`#restored`). */
  #shown;
  /** The popup login under way: its window and its promise. */
  #popupLogin;
  /** The logout under way: a second call (a double click, an effect run twice) shares it, so it cannot go to the
   * provider's logout without the `id_token_hint` the first one took. */
  #loggingOut;

  constructor(options) {
    this.#core = passes(() => options instanceof Core)
      ? options
      : loaded(() => ok(Core.create(optionsText(options, "AuthClient options", "invalid_config"))));
    this.#keyName = this.#core.dpopKeyName();
    if (this.#keyName !== undefined && !(globalThis.crypto?.subtle && globalThis.indexedDB)) {
      this.#core.free();
      throw new AuthError("invalid_config", "`dpop: true` needs WebCrypto (a secure context: https: or localhost) and IndexedDB, "
        + "which this page does not have; spa-auth does not fall back to bearer tokens silently.");
    }
    this.#heard = this.#core.sessionText();
    const name = this.#core.tabsChannel();
    if (name !== undefined && typeof BroadcastChannel === "function") {
      this.#channel = new BroadcastChannel(name);
      this.#channel.onmessage = (event) => this.#hear(event.data);
      this.#hello();
    }
    if (!this.#core.memory()) {
      // Held weakly: the window's listener never keeps an unfreed client alive.
      const client = new WeakRef(this);
      this.#shown = (event) => client.deref()?.#restored(event);
      globalThis.addEventListener?.("pageshow", this.#shown);
    }
  }

  /** Tells the other tabs this client is there (they answer with their last logout); it counts as new since. */
  #hello() {
    this.#post("hello");
    this.#helloAt = performance.now();
  }

  /** Back from the back/forward cache: the page slept through what other pages of its tab and other tabs did. */
  #restored(event) {
    if (!event.persisted) return;
    this.#changed(false);
    if (this.#channel) this.#hello();
  }

  static publiq(options) {
    const text = optionsText(options, "AuthClient.publiq options", "invalid_config");
    const environment = member(options, "environment", "invalid_config");
    return new AuthClient(loaded(() => ok(Core.publiq(text, typeof environment === "string" ? environment : undefined))));
  }

  /** Calls the listeners when the stored session changed since they last heard; shares this tab's own new session. */
  #changed(share) {
    if (this.#core === FREED) return;
    const text = this.#core.sessionText();
    if (text === this.#heard) return;
    this.#heard = text;
    if (share && text !== undefined) this.#post("session");
    const tokens = this.#core.tokens();
    for (const entry of [...this.#listeners]) {
      // A listener changed the session again (a logout, say): the round for that newer session told everyone.
      if (this.#heard !== text) return;
      if (!this.#listeners.has(entry)) continue; // removed by an earlier listener of this round, as DOM events do
      try {
        entry.listener(tokens);
      } catch (e) {
        // An app's listener never breaks the library's own promises or the other listeners.
        setTimeout(() => { throw e; });
      }
    }
  }

  /** Tells the other tabs: `type` is a message kind of the core's (`Core.hear`), `at` when it happened. */
  #post(type) {
    const text = type === "session" ? this.#core.sessionText() : undefined;
    this.#channel?.postMessage({ type, text, at: this.#core.tabMessageAt(type) });
  }

  /** A message from another tab of this app (or another client of it in this tab); the core decides what it means. */
  #hear(message) {
    if (typeof message !== "object" || message === null || typeof message.type !== "string" || typeof message.at !== "number") return;
    this.#others = true;
    const heard = this.#core.hear(message.type, typeof message.text === "string" ? message.text : undefined, message.at);
    if (heard & 1) for (const resolve of this.#waiting) resolve();
    if (heard & 2) this.#dropKey();
    for (const [bit, type] of TAB_REPLIES) if (heard & bit) this.#post(type);
    if (heard & 4) this.#changed(false);
  }

  /** `dpop: true`: the key pair (loaded once, from IndexedDB or new), given to the core; otherwise `undefined`. */
  #dpop() {
    const name = this.#keyName;
    if (name === undefined) return undefined;
    if (this.#key) return this.#key;
    const loading = loadKey(name).then((key) => {
      // A logout meanwhile removed the key this load may have read: load again (a new key then).
      if (this.#key !== loading) return this.#dpop();
      ok(this.#core.dpopKey(key.x, key.y));
      return key;
    }, (e) => {
      if (this.#key === loading) this.#key = undefined; // tried again next time
      throw new AuthError("crypto_unavailable", `The DPoP key could not be read from or kept in IndexedDB: ${e?.message ?? e}`);
    });
    this.#key = loading;
    return loading;
  }

  #dropKey() {
    this.#key = undefined;
    this.#core.dpopKey();
  }

  /**
   * Starts a core operation (which may change the session at once, as logout does) and runs it. `logout`: the
   * DPoP key is loaded if it can be (without it the revocation is skipped, the logout goes on), removed from
   * IndexedDB before the other tabs hear of the logout, and forgotten after the run (the revocation still signs
   * with it from memory).
   */
  #run(start, share, logout) {
    return this.#hold(this.#runHeld(start, share, logout));
  }

  /** `promise`, with the core kept for it: a `free()` meanwhile (React's StrictMode cleanup, a hot reload) releases
   * the core and closes the tab channel once every held operation ended, so an operation another client shares (a
   * callback, a refresh) ends, and the other tabs hear of its outcome. */
  #hold(promise) {
    this.#busy += 1;
    return promise.finally(() => {
      this.#busy -= 1;
      if (this.#busy === 0 && this.#freed) this.#release();
    });
  }

  /** A public operation `start()`, held to its end; refused (`invalid_state`) once the client was freed. */
  #held(start) {
    try {
      this.#live();
      return this.#hold(Promise.resolve(start()));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #live() {
    if (this.#freed) throw freedError();
  }

  #release() {
    if (this.#core === FREED) return;
    globalThis.removeEventListener?.("pageshow", this.#shown);
    this.#channel?.close();
    this.#channel = undefined;
    this.#core.free();
    this.#core = FREED;
  }

  async #runHeld(start, share, logout) {
    const name = this.#keyName;
    let key;
    if (name !== undefined) {
      key = logout ? await this.#dpop().catch(() => undefined) : await this.#dpop();
      if (logout) {
        await removeKey(name).catch(() => {
          console.warn("spa-auth: the DPoP key could not be removed from IndexedDB.");
        });
      }
    }
    let step;
    try {
      step = start();
    } finally {
      this.#changed(false);
    }
    try {
      return await run(step, this.#core.timeoutMs(), key);
    } finally {
      if (logout && name !== undefined) this.#dropKey();
      this.#changed(share);
    }
  }

  /**
   * Asks the other tabs for their session and waits until a newer one than this tab's was adopted, or `ms`.
   */
  #ask(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiting.add(done);
      this.#post("ask");
    });
  }

  /** Runs `refresh` holding this app's Web Lock, so one tab of the browser profile refreshes at a time. */
  #locked(refresh) {
    const name = this.#core.tabsChannel();
    const locks = globalThis.navigator?.locks;
    if (name === undefined || !locks) return refresh(false);
    return locks.request(name, { ifAvailable: true }, (lock) => (lock ? refresh(false) : undefined))
      .then((token) => token ?? locks.request(name, () => refresh(true)));
  }

  buildAuthorizeUrl(options) {
    return this.#held(() => this.#run(() => this.#login(options)));
  }

  /** The login step for `options` (`appState`, `authorizationParams`); `popup`: for `loginWithPopup`. */
  #login(options, popup) {
    let appState;
    let rest = optionsOf(options, "options");
    if (rest !== undefined) {
      try {
        ({ appState, ...rest } = withInherited(rest)); // each getter runs once, a class's too
      } catch (e) {
        throw new AuthError("invalid_argument", `The login options could not be read: ${e?.message ?? e}`);
      }
    }
    return ok(this.#core.login(optionsText(rest, "login options", "invalid_argument"), appStateText(appState), popup));
  }

  async loginWithRedirect(options) {
    window.location.assign(await this.buildAuthorizeUrl(options));
  }

  isCallback(url) {
    this.#live();
    return this.#core.isCallback(urlOf(url, "url"));
  }

  handleRedirectCallback(url) {
    return this.#held(() => this.#callback(url));
  }

  async #callback(url) {
    url = urlOf(url, "url");
    // Resolved against the page's address: `handleRedirectCallback(location.search)` or a host in capitals is still
    // this page's address, so the address bar is cleaned.
    const href = url === undefined ? window.location.href : resolved(url);
    // Per client where its tokens are its own (`storage: "memory"`): another's login would not be this one's.
    const key = this.#core.memory() ? this : this.#core.tokensKey();
    const last = lastCallback;
    if (last?.key === key && (href === last.href || (href === last.scrubbed && !this.#core.isCallback(href)))) {
      // The same callback again (React's StrictMode runs effects twice): the same outcome, and this client's
      // listeners hear of the session it brought.
      return last.result.finally(() => this.#changed(false));
    }
    // The address bar is clean before anything can fail (a DPoP key IndexedDB cannot read, too).
    const scrubbed = this.#core.scrubbedUrl(href);
    if (href === window.location.href && scrubbed !== href) {
      try {
        window.history.replaceState(window.history.state, "", scrubbed);
      } catch (e) {
        throw new AuthError("invalid_config", `history.replaceState refused to clean the address bar: ${e?.message ?? e}`);
      }
    }
    const popup = this.#core.popupChannel(href);
    const result = popup === undefined ? this.#run(() => ok(this.#core.callback(href)), true) : this.#handOver(popup, href);
    lastCallback = { key, href, scrubbed, result };
    // Shared only while it runs: the same callback later is a replay (`invalid_state`, the state is single use).
    const settled = () => {
      if (lastCallback?.result === result) lastCallback = undefined;
    };
    result.then(settled, settled);
    return result;
  }

  // The redirect page of a popup login: hand the answer to the opener (which redeems it with every check), over a
  // channel that needs no window.opener, and close once the opener took it. Nobody taking it (a crafted link with
  // a `popup.` state, or the opener gone) is `missing_transaction`. Where the opener is still there, the answer
  // also goes to it by postMessage (its own origin only): an app in another site's iframe has its
  // BroadcastChannel partitioned away from this top-level popup.
  async #handOver(popup, href) {
    const channel = new BroadcastChannel(popup);
    const opener = window.opener;
    const taken = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), POPUP_TAKEN_MS);
      const done = () => {
        clearTimeout(timer);
        channel.close();
        window.removeEventListener("message", fromOpener);
        window.close(); // also when the opener answers late
        resolve(true);
      };
      const fromOpener = (event) => {
        if (event.data === "taken" && event.source === opener && event.origin === window.location.origin) done();
      };
      channel.onmessage = (event) => {
        if (event.data === "taken") done();
      };
      window.addEventListener("message", fromOpener);
      channel.postMessage(href);
      passes(() => opener?.postMessage(href, window.location.origin));
    });
    if (!taken) {
      throw new AuthError("missing_transaction", "No login in this browser took this popup's answer within "
        + `${POPUP_TAKEN_MS / 1000} s (its window was closed, or the link was not made by a login here).`);
    }
    return { appState: undefined };
  }

  loginWithPopup(options) {
    if (this.#freed) return Promise.reject(freedError());
    if (typeof BroadcastChannel !== "function") {
      return Promise.reject(new AuthError("popup_blocked", "This browser has no BroadcastChannel (Safari before 15.4), "
        + "which carries a popup login's answer: use loginWithRedirect()."));
    }
    // A second call while this client's popup is open (a double click, a popup gone behind the page) brings it to
    // the front and shares its login, which a second window would only compete with.
    const pending = this.#popupLogin;
    if (pending && !pending.popup.closed) {
      pending.popup.focus();
      return pending.result;
    }
    // Opened at once, in the click that called this, or the browser blocks it; the authorize URL follows. A name of
    // its own: a window of the same name (another client's popup) would be taken over.
    const popup = window.open("about:blank", `spa-auth-login-${++popups}`, "popup,width=500,height=680");
    if (!popup) {
      return Promise.reject(new AuthError("popup_blocked", "The browser blocked the login popup: call loginWithPopup() from a click handler."));
    }
    const result = this.#held(() => this.#popup(popup, options));
    const current = this.#popupLogin = { popup, result };
    const done = () => {
      if (this.#popupLogin === current) this.#popupLogin = undefined;
    };
    result.then(done, done);
    return result;
  }

  async #popup(popup, options) {
    let ms;
    let url;
    try {
      ms = member(optionsOf(options, "options"), "timeoutMs") ?? 300000;
      if (typeof ms !== "number" || !(ms > 0)) throw invalid("timeoutMs", "a number of milliseconds", ms);
      ms = Math.min(ms, MAX_TIMER_MS); // a longer timer (Infinity too) would fire at once
      url = await this.#run(() => this.#login(options, true));
    } catch (e) {
      popup.close();
      throw e;
    }
    if (popup.closed) throw new AuthError("popup_closed", "The login popup was closed before the login finished.");
    const name = this.#core.popupChannel(url);
    const channel = new BroadcastChannel(name);
    popup.location.href = url;
    const openedAt = Date.now();
    const answer = await new Promise((resolve, reject) => {
      // Whether `popup_closed` was reported: a popup that only read as closed (a later page of the login, a
      // federated provider's, cut it off with its COOP) may still answer until the timeout, and that login counts.
      let late = false;
      const end = (settle) => {
        clearTimeout(timer);
        clearInterval(watch);
        channel.close();
        window.removeEventListener("message", fromPopup);
        settle();
      };
      const take = (answer, reply) => {
        if (typeof answer !== "string") return;
        reply("taken"); // the popup closes
        end(() => resolve(answer));
        // After `popup_closed` nobody awaits this login: onChange tells the app.
        if (late) this.#run(() => ok(this.#core.callback(answer)), true).catch(() => {});
      };
      channel.onmessage = (event) => take(event.data, (m) => channel.postMessage(m));
      // The same answer by postMessage from the popup itself (an app in another site's iframe: see the redirect
      // page); any other message of the popup's pages is none of this login's business.
      const fromPopup = (event) => {
        if (event.source === popup && event.origin === window.location.origin && typeof event.data === "string"
          && this.#core.popupChannel(event.data) === name) {
          take(event.data, (m) => passes(() => popup.postMessage(m, window.location.origin)));
        }
      };
      window.addEventListener("message", fromPopup);
      const timer = setTimeout(() => end(() => {
        popup.close();
        reject(new AuthError("timeout", `The popup login did not finish within ${ms} ms.`));
      }), ms);
      let seenAway = false; // seen on another origin's page while still connected
      const watch = setInterval(() => {
        if (!popup.closed) {
          seenAway ||= !passes(() => popup.location.href); // another origin's location cannot be read
          return;
        }
        if (!seenAway && Date.now() - openedAt < SEVERED_MS) {
          clearInterval(watch); // cut off by the provider's COOP: only the answer or the timeout can end it now
          return;
        }
        clearInterval(watch);
        late = true;
        reject(new AuthError("popup_closed", "The login popup was closed before the login finished."));
      }, 100);
    });
    return this.#run(() => ok(this.#core.callback(answer)), true);
  }

  getUserInfo() {
    return this.#held(() => this.#userInfo());
  }

  async #userInfo() {
    const token = await this.#accessToken();
    try {
      return await this.#run(() => this.#core.userInfo(token, false));
    } catch (e) {
      // A token the server no longer takes (Keycloak's session ended before the token expired): one refresh, unless
      // another caller already replaced it, and one more try; a refresh that fails says why (`login_required`).
      if (e?.code !== "invalid_token") throw e;
      const forceRefresh = this.#core.tokens()?.accessToken === token;
      const fresh = await this.#accessToken({ forceRefresh });
      return this.#run(() => this.#core.userInfo(fresh, true));
    }
  }

  checkSession(options) {
    return this.#held(() => this.#checkSession(options));
  }

  async #checkSession(options) {
    options = optionsOf(options, "options");
    let ms = member(options, "tabWaitMs") ?? 100;
    if (typeof ms !== "number" || !(ms >= 0)) throw invalid("tabWaitMs", "a number of milliseconds", ms);
    ms = Math.min(ms, MAX_TIMER_MS);
    const silent = member(options, "silent");
    if (silent !== undefined && silent !== "redirect") throw invalid("silent", '"redirect"', silent);
    const appState = appStateText(member(options, "appState"));
    if (this.#core.isAuthenticated()) return true;
    if (this.#channel) {
      await this.#ask(ms);
      if (this.#core.isAuthenticated()) return true;
    }
    if (silent !== "redirect" || this.#core.silentTried()) return false;
    // A top-level redirect with prompt=none: the provider answers at once, and handleRedirectCallback() on the way
    // back logs in, or resolves quietly for "log in first". Tried once per tab session.
    const url = await this.#run(() => this.#core.silentLogin(appState));
    // The page is left; should the browser bring it back from its back/forward cache (Back from the provider),
    // the check ends there with what this tab has.
    return new Promise((resolve) => {
      const shown = (event) => {
        if (!event.persisted) return;
        window.removeEventListener("pageshow", shown);
        resolve(this.#core.isAuthenticated());
      };
      window.addEventListener("pageshow", shown);
      window.location.assign(url);
    });
  }

  isAuthenticated() {
    this.#live();
    return this.#core.isAuthenticated();
  }

  getAccessToken(options) {
    return this.#freed ? Promise.reject(freedError()) : this.#accessToken(options);
  }

  /** `getAccessToken`, also for an operation that runs to its end after `free()` (a `fetch` and its retry). */
  #accessToken(options) {
    let token;
    let minValidity;
    try {
      options = optionsOf(options, "options");
      minValidity = member(options, "minValidity") ?? undefined;
      // -1 refreshes whatever the token's lifetime, as keycloak-js's updateToken(-1) does.
      const force = minValidity === -1;
      if (force) minValidity = undefined;
      if (minValidity !== undefined && !(typeof minValidity === "number" && minValidity >= 0 && minValidity < Infinity)) {
        throw invalid("minValidity", "a number of seconds (0 or more), or -1 to refresh now", minValidity);
      }
      token = ok(this.#core.accessToken(minValidity, flag(member(options, "forceRefresh"), "forceRefresh") || force));
    } catch (e) {
      this.#changed(false);
      return Promise.reject(e);
    }
    if (token !== undefined) return Promise.resolve(token);
    const key = this.#core.memory() ? this : this.#core.tokensKey();
    let flight = flights.get(key);
    if (!flight) {
      const before = this.#core.sessionText();
      flight = this.#hold(this.#locked(async (waited) => {
        // Another tab may have refreshed just before this one got the lock (the lock and the message travel apart,
        // and a background tab may be throttled): when other tabs exist, ask them (the tab that refreshed answers
        // with its newer session) before sending a refresh token it may have spent. A client made a moment ago has
        // not heard the other tabs' answers to its "hello" yet: a tab reloaded, restored or reopened with an old copy
        // of the session asks for up to HELLO_MS before it sends that copy's refresh token.
        const young = HELLO_MS - (performance.now() - this.#helloAt); // monotonic: a clock set back stalls nothing
        if (this.#core.sessionText() === before) {
          if (waited || this.#others) await this.#ask(WAITED_ASK_MS);
          else if (young > 0) await this.#ask(young);
        }
        if (this.#core.sessionText() !== before) {
          const adopted = ok(this.#core.accessToken(minValidity, false));
          if (adopted !== undefined) return adopted;
        }
        return this.#run(() => ok(this.#core.refresh()), true);
      })).finally(() => flights.delete(key));
      flights.set(key, flight);
    }
    return flight;
  }

  getTokens() {
    this.#live();
    return this.#core.tokens();
  }

  getUser() {
    this.#live();
    return this.#core.user();
  }

  fetch(input, init) {
    return this.#held(() => this.#fetch(input, init));
  }

  async #fetch(input, init) {
    const request = headed(toRequest(input, init));
    if (request.signal.aborted) throw abortReason(request.signal);
    const token = await abortable(this.#accessToken(), request.signal);
    const [response, refresh] = await this.#send(request, token, true);
    if (!refresh || request.signal.aborted) return response;
    // Refreshed unless another caller already replaced the refused token; a `free()` meanwhile lets it end.
    return retried(request, response, token, this.#core.tokens()?.accessToken, (forceRefresh) => this.#accessToken({ forceRefresh }),
      async (next) => (await this.#send(request, next, false))[0]);
  }

  /**
   * Sends `request` with `token`: as a bearer token, or (`dpop: true`) with the headers the core's steps name (a
   * DPoP token and a proof, sent once more when the server asks for its nonce and `nonceRetry`: RFC 9449 §9).
   * Resolves to the response and whether a refresh may cure it (a 401 that is not about the proof or nonce).
   */
  async #send(request, token, nonceRetry) {
    const key = await this.#dpop();
    if (key === undefined) {
      const response = await send(request, { Authorization: `Bearer ${token}` });
      return [response, response.status === 401 && !redirectedAway(request, response)];
    }
    const step = this.#core.resource(request.method, request.url, token, nonceRetry);
    let response;
    try {
      for (let action = ok(step.next(0, "")); ;) {
        response = await send(request, { Authorization: action.authorization, DPoP: await prove(key, action.dpop) });
        const headers = response.headers;
        action = ok(step.next(response.status, "", headers.get("DPoP-Nonce"), headers.get("WWW-Authenticate")));
        if ("done" in action) return [response, action.done && !redirectedAway(request, response)];
        await response.body?.cancel().catch(() => {}); // a nonce challenge: sent again
      }
    } finally {
      step.free();
    }
  }

  logout(options) {
    let returnTo;
    let localOnly;
    let idTokenHint;
    let text;
    try {
      this.#live();
      // Checked before anything happens: a mistaken argument (an onclick's event) leaves session and DPoP key alone.
      options = optionsOf(options, "options");
      returnTo = urlOf(member(options, "returnTo"), "returnTo");
      if (returnTo?.trim() === "") throw invalid("returnTo", "a URL, not empty", returnTo);
      // A path ("/", `location.pathname`) is a page of this app: its absolute URL, as a link's `href` would be.
      if (returnTo !== undefined && !/^[a-z][a-z\d+.-]*:/i.test(returnTo) && typeof location === "object") {
        returnTo = passes(() => new URL(returnTo, location.href).href) || returnTo;
      }
      localOnly = flag(member(options, "localOnly"), "localOnly");
      idTokenHint = flag(member(options, "idTokenHint") ?? true, "idTokenHint");
      text = optionsText({ logoutParams: member(options, "logoutParams") }, "logout options", "invalid_argument");
      ok(Core.checkLogout(text, returnTo));
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.#loggingOut) return this.#loggingOut;
    const result = this.#run(() => {
      const step = ok(this.#core.logout(returnTo, localOnly, idTokenHint, text));
      this.#post("logout");
      return step;
    }, false, true);
    this.#loggingOut = result;
    const settled = () => {
      this.#loggingOut = undefined;
    };
    result.then(settled, settled);
    return result;
  }

  /** Forgets the listeners at once; the tab channel and the core's memory go once the operations under way ended
   * (a second call does nothing). Any later call throws, or rejects with, `invalid_state`. */
  free() {
    if (this.#freed) return;
    this.#freed = true;
    this.#listeners.clear();
    if (this.#busy === 0) this.#release();
  }

  onChange(listener) {
    this.#live();
    if (typeof listener !== "function") throw invalid("listener", "a function", listener);
    const entry = { listener };
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }
}

/** A public client id on API calls (publiq's Search API, UiTPAS): header or query parameter. */
export class ClientIdentification {
  #core;

  constructor(options) {
    const core = loaded(() => ok(IdentificationCore.create(optionsText(options, "ClientIdentification options", "invalid_config"))));
    // A header the browser would drop (a forbidden request-header: Origin, Cookie, Sec-…) or refuse (a value that is
    // not Latin-1), by the browser's own rules: else no fetch would carry the client id.
    for (const [name, value] of Object.entries(core.headers())) {
      if (typeof Request === "function" && !passes(() => new Request("https://a.invalid/", { headers: [[name, value]] }).headers.has(name))) {
        core.free();
        throw new AuthError("invalid_config", `The header ${describe(name)}: ${describe(value)} is one the browser does not send `
          + "(a forbidden `headerName`, or a `clientId` that is not Latin-1): use another name, or `mode: \"query\"`.");
      }
    }
    this.#core = core;
  }

  headers() {
    return this.#core.headers();
  }

  apply(url) {
    const href = urlOf(url, "url");
    if (href === undefined) throw invalid("url", "a URL string, a URL or a Location", url);
    return this.#core.apply(href);
  }

  async fetch(input, init) {
    let request = toRequest(input, init);
    const headers = this.#core.headers();
    if (Object.keys(headers).length === 0) request = await readdressed(request, this.#core.apply(request.url));
    else headed(request);
    return send(request, headers);
  }

  free() {
    if (this.#core === FREED) return;
    this.#core.free();
    this.#core = FREED;
  }
}

/** publiq's legacy UiTiD v1 JWT flow (Entry API 3), for apps still migrating to UiTiD v2. */
export class LegacyJwtClient {
  #core;
  #flight;

  constructor(options) {
    this.#core = loaded(() => ok(LegacyCore.create(optionsText(options, "LegacyJwtClient options", "invalid_config"))));
  }

  async login(destination) {
    ok(this.#core.login(urlOf(destination, "destination")));
  }

  isCallback(url) {
    return this.#core.isCallback(urlOf(url, "url"));
  }

  async handleCallback(url) {
    url = urlOf(url, "url");
    ok(this.#core.handleCallback(url === undefined ? url : resolved(url)));
  }

  isAuthenticated() {
    return this.#core.isAuthenticated();
  }

  getToken() {
    return this.#core.getToken();
  }

  refresh() {
    this.#flight ??= (async () => {
      const url = ok(this.#core.refreshUrl());
      let status = -1;
      let text = "";
      try {
        const response = await fetch(url, { signal: timeoutSignal(10000), cache: "no-cache" });
        status = response.status;
        text = await response.text();
      } catch (e) {
        if (e?.name === "TimeoutError") status = -2; // else no answer: -1
      }
      return ok(this.#core.acceptRefresh(status, text));
    })().finally(() => {
      this.#flight = undefined;
    });
    return this.#flight;
  }

  async fetch(input, init) {
    const request = headed(toRequest(input, init));
    const headers = (jwt) => ({ Authorization: `Bearer ${jwt}`, "X-Api-Key": this.#core.apiKey() });
    if (request.signal.aborted) throw abortReason(request.signal);
    const jwt = this.#core.getToken() ?? await abortable(this.refresh(), request.signal);
    const response = await send(request, headers(jwt));
    if (response.status !== 401 || request.signal.aborted || redirectedAway(request, response) || !this.#core.canRefresh()) {
      return response;
    }
    // Refreshed unless another call already replaced the refused token, as `AuthClient.fetch` does.
    return retried(request, response, jwt, this.#core.getToken(), (stale) => {
      const current = this.#core.getToken();
      return stale || current === undefined ? this.refresh() : Promise.resolve(current);
    },
      (next) => send(request, headers(next)));
  }

  logout() {
    this.#core.logout();
  }

  free() {
    if (this.#core === FREED) return;
    this.#core.free();
    this.#core = FREED;
  }
}

// The public classes keep their names in the minified package (`constructor.name`, devtools).
for (const [type, name] of [[AuthClient, "AuthClient"], [ClientIdentification, "ClientIdentification"], [LegacyJwtClient, "LegacyJwtClient"]]) {
  Object.defineProperty(type, "name", { value: name });
}
