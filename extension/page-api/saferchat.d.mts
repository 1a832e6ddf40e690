// SPDX-License-Identifier: Apache-2.0
// Types of the Safer Chat page API (saferchat.mjs). docs/integration.md shows its use.

/** The page API's version. */
export declare const VERSION: string;

/** Every error code a page may see (docs/protocol.md §5 and §8.4). */
export declare const ErrorCode: Readonly<{
  EXTENSION_MISSING: 'ERR_SAFERCHAT_EXTENSION_MISSING';
  EXTENSION_FAILED: 'ERR_SAFERCHAT_EXTENSION_FAILED';
  HOST_MISSING: 'ERR_SAFERCHAT_HOST_MISSING';
  HOST_FAILED: 'ERR_SAFERCHAT_HOST_FAILED';
  HOST_INCOMPATIBLE: 'ERR_SAFERCHAT_HOST_INCOMPATIBLE';
  CALLER_NOT_ALLOWED: 'ERR_SAFERCHAT_CALLER_NOT_ALLOWED';
  TIMEOUT: 'ERR_SAFERCHAT_TIMEOUT';
  INTERNAL: 'ERR_SAFERCHAT_INTERNAL';
  HOST_BUSY: 'ERR_SAFERCHAT_HOST_BUSY';
  REQUEST_CANCELLED: 'ERR_SAFERCHAT_REQUEST_CANCELLED';
  INSECURE_CONTEXT: 'ERR_SAFERCHAT_INSECURE_CONTEXT';
  REQUEST_PENDING: 'ERR_SAFERCHAT_REQUEST_PENDING';
  INVALID_ARGUMENT: 'ERR_SAFERCHAT_INVALID_ARGUMENT';
  INVALID_CHALLENGE: 'ERR_SAFERCHAT_INVALID_CHALLENGE';
  INVALID_ORIGIN: 'ERR_SAFERCHAT_INVALID_ORIGIN';
  /** The parents' or school's list of sites that may ask does not hold this site. */
  ORIGIN_NOT_ALLOWED: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED';
  /** Not called from the child's click or key press on this page (one gesture, one dialog). */
  USER_ACTIVATION_REQUIRED: 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED';
  /** The page is not the visible, focused tab. */
  PAGE_NOT_ACTIVE: 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE';
  /** The child pressed Stop a moment ago: this site waits (5 s, then longer) before it asks again. */
  RETRY_LATER: 'ERR_SAFERCHAT_RETRY_LATER';
  /** A dialog for another site is open; ask again on the child's next click. */
  ANOTHER_SITE_ASKING: 'ERR_SAFERCHAT_ANOTHER_SITE_ASKING';
  /** Called from a page inside a frame: only a top-level page may ask. */
  FRAME_NOT_SUPPORTED: 'ERR_SAFERCHAT_FRAME_NOT_SUPPORTED';
  USER_CANCELLED: 'ERR_SAFERCHAT_USER_CANCELLED';
  USER_TIMEOUT: 'ERR_SAFERCHAT_USER_TIMEOUT';
  PIN_DIALOG_FAILED: 'ERR_SAFERCHAT_PIN_DIALOG_FAILED';
  PIN_INVALID_FORMAT: 'ERR_SAFERCHAT_PIN_INVALID_FORMAT';
  PIN_WRONG: 'ERR_SAFERCHAT_PIN_WRONG';
  PIN_BLOCKED: 'ERR_SAFERCHAT_PIN_BLOCKED';
  PCSC_UNAVAILABLE: 'ERR_SAFERCHAT_PCSC_UNAVAILABLE';
  NO_READER: 'ERR_SAFERCHAT_NO_READER';
  NO_CARD: 'ERR_SAFERCHAT_NO_CARD';
  CARD_REMOVED: 'ERR_SAFERCHAT_CARD_REMOVED';
  CARD_RESET: 'ERR_SAFERCHAT_CARD_RESET';
  CARD_BUSY: 'ERR_SAFERCHAT_CARD_BUSY';
  CARD_COMMUNICATION: 'ERR_SAFERCHAT_CARD_COMMUNICATION';
  UNKNOWN_CARD: 'ERR_SAFERCHAT_UNKNOWN_CARD';
  CARD_ERROR: 'ERR_SAFERCHAT_CARD_ERROR';
  NO_AUTH_CERTIFICATE: 'ERR_SAFERCHAT_NO_AUTH_CERTIFICATE';
  /**
   * The card cannot be used to log in (no authentication certificate, not a Belgian card, or
   * held by another program); the child is told which in the dialog, the page is not.
   */
  CARD_NOT_USABLE: 'ERR_SAFERCHAT_CARD_NOT_USABLE';
}>;

/** A code of ErrorCode, or a newer code of the same form from a newer extension or host. */
export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode] | `ERR_SAFERCHAT_${string}`;

/** The one error type of this API. */
export declare class SaferChatError extends Error {
  constructor(code: ErrorCodeName, message?: string);
  readonly name: 'SaferChatError';
  /** Stable: branch on this. */
  readonly code: ErrorCodeName;
}

/** What status() reports. */
export interface Status {
  extension: { present: boolean; version: string | null };
  host: {
    /** null: not asked, because the child has not acted on the page yet (see error). */
    present: boolean | null;
    version: string | null;
    protocolVersion?: number;
    pcsc?: { reachable: boolean; readerCount: number };
    /**
     * Why the host could not be asked (e.g. ERR_SAFERCHAT_HOST_MISSING), or why it was not
     * (ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED, …_PAGE_NOT_ACTIVE, …_ORIGIN_NOT_ALLOWED).
     */
    error?: ErrorCodeName;
  };
}

/** The authentication token, in the Web eID format (docs/protocol.md §4.3). */
export interface AuthenticationToken {
  /** The card's authentication certificate, base64 DER. */
  unverifiedCertificate: string;
  /** JWA name: "ES384" (applet 1.8 cards) or "RS256" (applet 1.7). */
  algorithm: string;
  /** base64; for ES384 the raw r‖s. */
  signature: string;
  format: 'web-eid:1.0';
  appVersion: string;
}

/**
 * A sealed token (the site publishes its verification service's key at
 * /.well-known/saferchat-seal-key, docs/protocol.md §8.6): only that service can open it.
 * Send it to your server unchanged, as you would the unsealed one.
 */
export interface SealedToken {
  format: 'saferchat-sealed:1';
  /** The seal key's kid. */
  kid: string;
  /** JWE compact serialization (ECDH-ES, A256GCM) of the AuthenticationToken. */
  jwe: string;
}

export interface AuthenticateOptions {
  /** BCP 47 tag ("nl", "fr-BE", "de", "en"): the PIN dialog's language. */
  lang?: string;
  /** Seconds the child has to insert the card and type the PIN, 1 to 600; default 120. */
  timeout?: number;
}

/**
 * What is installed. Without the child's click or key press on the page, only whether the
 * extension is there (the program is neither started nor asked). Rejects only with
 * FRAME_NOT_SUPPORTED, INSECURE_CONTEXT or REQUEST_PENDING.
 */
export declare function status(): Promise<Status>;

/**
 * Asks the child's card to sign `challengeNonce` (44 to 128 base64 characters from your server)
 * bound to this page's origin. Call it from the child's click or key press on the visible page
 * (else USER_ACTIVATION_REQUIRED or PAGE_NOT_ACTIVE). Send the token and the nonce to your
 * server. Options other than `lang` and `timeout` are refused with INVALID_ARGUMENT.
 */
export declare function authenticate(
  challengeNonce: string,
  options?: AuthenticateOptions,
): Promise<AuthenticationToken | SealedToken>;
