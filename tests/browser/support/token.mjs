// SPDX-License-Identifier: Apache-2.0
// Checks a token (docs/protocol.md §4.3) as a provider's server would check its signature:
// with the certificate's public key over H(origin) ‖ H(challengeNonce).
import crypto from 'node:crypto';

const HASHES = { ES384: 'sha384', ES256: 'sha256', RS256: 'sha256' };

export function signedData(algorithm, origin, nonce) {
  const hash = HASHES[algorithm];
  const h = (text) => crypto.createHash(hash).update(text, 'utf8').digest();
  return Buffer.concat([h(origin), h(nonce)]);
}

// true when `token.signature` verifies for `origin` and `nonce`.
export function signatureValid(token, origin, nonce) {
  const certificate = new crypto.X509Certificate(Buffer.from(token.unverifiedCertificate, 'base64'));
  const key = { key: certificate.publicKey };
  if (token.algorithm.startsWith('ES')) {
    key.dsaEncoding = 'ieee-p1363'; // raw r ‖ s, as in JWS
  }
  return crypto.verify(HASHES[token.algorithm], signedData(token.algorithm, origin, nonce), key,
    Buffer.from(token.signature, 'base64'));
}

// A fresh challenge nonce as a server makes it: 32 random bytes, base64 (44 characters).
export function newNonce() {
  return crypto.randomBytes(32).toString('base64');
}

const fromBase64url = (text) => Buffer.from(text, 'base64url');

// Opens a sealed result's compact JWE (the sealed-token contract: ECDH-ES direct on P-256,
// Concat KDF with SHA-256 (RFC 7518 §4.6.2), A256GCM, AAD = the protected header as sent) with
// `privateKey` (a node:crypto KeyObject); returns { header, token } or throws when the key
// cannot open it (the GCM tag does not match).
export function openSealed(jwe, privateKey) {
  const parts = jwe.split('.');
  if (parts.length !== 5 || parts[1] !== '') {
    throw new Error('not a compact JWE with an empty encrypted key');
  }
  const [protectedHeader, , iv, ciphertext, tag] = parts;
  const header = JSON.parse(fromBase64url(protectedHeader).toString('utf8'));
  const epk = crypto.createPublicKey({ key: header.epk, format: 'jwk' });
  const z = crypto.diffieHellman({ privateKey, publicKey: epk });
  const u32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const algorithmId = Buffer.from(header.enc, 'ascii');
  const otherInfo = Buffer.concat([u32(algorithmId.length), algorithmId, u32(0), u32(0), u32(256)]);
  const cek = crypto.createHash('sha256').update(Buffer.concat([u32(1), z, otherInfo])).digest();
  const decipher = crypto.createDecipheriv('aes-256-gcm', cek, fromBase64url(iv));
  decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  decipher.setAuthTag(fromBase64url(tag));
  const plaintext = Buffer.concat([decipher.update(fromBase64url(ciphertext)), decipher.final()]);
  return { header, token: JSON.parse(plaintext.toString('utf8')) };
}
