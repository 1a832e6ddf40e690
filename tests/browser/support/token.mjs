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
