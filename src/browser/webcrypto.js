// WebCrypto for both drivers: src/js/driver.js imports this module, and the Rust driver (src/browser/webcrypto.rs)
// binds it through wasm-bindgen. The core decides; this module only carries out what needs WebCrypto:
// - DPoP keys (RFC 9449): one non-extractable ES256 key pair per issuer and client id, kept in IndexedDB so a
//   reload finds it (a `CryptoKey` cannot go into sessionStorage; the private key never leaves WebCrypto, not even
//   to this library), and the proofs the core wrote, signed with it. Failures are plain errors: each driver
//   reports them as `crypto_unavailable`.
// - ID token signatures (`verifySignature`): the key and algorithm the core chose, verified.

const KEYS_DB = "spa-auth-dpop";

/** Runs `work(store, set)` in one transaction of the key store; resolves with what `set` was given. */
function keyStore(mode, work) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(KEYS_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      let result;
      try {
        const tx = db.transaction("keys", mode);
        work(tx.objectStore("keys"), (value) => { result = value; });
        tx.oncomplete = () => { db.close(); resolve(result); };
        tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
      } catch (e) {
        db.close();
        reject(e);
      }
    };
  });
}

/**
 * The key pair stored under `name`, or a new one, stored unless another tab stored one first (the check and the
 * write are one transaction, so two tabs end up with the same key). Resolves to `{ privateKey, x, y }`: the
 * private `CryptoKey` and the public JWK's P-256 coordinates.
 */
export async function loadKey(name) {
  const get = (store, set) => {
    const request = store.get(name);
    request.onsuccess = () => set(request.result);
  };
  let pair = await keyStore("readonly", get);
  if (!pair) {
    const fresh = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    pair = await keyStore("readwrite", (store, set) => get(store, (found) => {
      if (!found) store.put(fresh, name);
      set(found ?? fresh);
    }));
  }
  const { x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { privateKey: pair.privateKey, x, y };
}

/** Removes the key pair stored under `name` (logout). */
export function removeKey(name) {
  return keyStore("readwrite", (store) => store.delete(name));
}

const toBase64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** The compact JWS of a proof: the core's signing input and its ES256 signature with `key` (from `loadKey`). */
export async function signProof(key, input) {
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${toBase64url(signature)}`;
}

/** WebCrypto's names for the signature algorithms the core lets through: import, then verify parameters. */
const ED25519 = [{ name: "Ed25519" }, { name: "Ed25519" }];
const ALGORITHMS = { EdDSA: ED25519, Ed25519: ED25519 };
for (const bits of [256, 384, 512]) {
  const hash = `SHA-${bits}`;
  ALGORITHMS[`RS${bits}`] = [{ name: "RSASSA-PKCS1-v1_5", hash }, { name: "RSASSA-PKCS1-v1_5" }];
  ALGORITHMS[`PS${bits}`] = [{ name: "RSA-PSS", hash }, { name: "RSA-PSS", saltLength: bits / 8 }]; // RFC 7518 §3.5
  ALGORITHMS[`ES${bits}`] = [{ name: "ECDSA", namedCurve: bits === 512 ? "P-521" : `P-${bits}` }, { name: "ECDSA", hash }];
}

const fromBase64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
/** The octets of a base64url integer without the zero octets before its first other one. */
const significant = (text) => {
  const bytes = fromBase64url(text);
  return bytes.subarray(bytes.findIndex((b) => b) >>> 0);
};
/** The octets of an EC coordinate on each curve (RFC 7518 §6.2.1.2). */
const COORDINATE_OCTETS = { "P-256": 32, "P-384": 48, "P-521": 66 };

/** Whether `signature` is `alg`'s signature of `data` with the public `jwk` (as the core chose them). */
export async function verifySignature({ alg, jwk, data, signature }) {
  try {
    const [importParams, verifyParams] = ALGORITHMS[alg];
    const members = JSON.parse(jwk);
    // Without the zero octets Java's BigInteger writes before a modulus whose top bit is set (OpenAM, ForgeRock):
    // RFC 7518 §6.3.1.1 asks for none, and Chrome refuses them.
    if (members.n) members.n = toBase64url(significant(members.n));
    // EC coordinates of exactly the curve's size, which RFC 7518 §6.2.1.2 asks for and Chrome insists on: some
    // providers drop a leading zero octet (Keycloak, Gluu: about one P-256 key in 128, three P-521 keys in four) or
    // add one.
    const size = members.kty === "EC" && COORDINATE_OCTETS[members.crv];
    for (const name of size ? ["x", "y"] : []) {
      const value = significant(members[name]);
      if (value.length > size) continue; // no point of this curve: WebCrypto refuses it
      const full = new Uint8Array(size);
      full.set(value, size - value.length);
      members[name] = toBase64url(full);
    }
    const key = await crypto.subtle.importKey("jwk", members, importParams, false, ["verify"]);
    if (key.algorithm.modulusLength < 2048) return false; // RFC 7518 §3.3: RSA keys of 2048 bits or more
    return await crypto.subtle.verify(verifyParams, key, fromBase64url(signature), new TextEncoder().encode(data));
  } catch {
    return false; // a key or signature WebCrypto cannot read verifies nothing
  }
}
