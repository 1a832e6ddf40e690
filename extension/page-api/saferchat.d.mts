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
    present: boolean;
    version: string | null;
    protocolVersion?: number;
    pcsc?: { reachable: boolean; readerCount: number };
    /** Why the host could not be asked (e.g. ERR_SAFERCHAT_HOST_MISSING). */
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

export interface AuthenticateOptions {
  /** BCP 47 tag ("nl", "fr-BE", "de", "en"): the PIN dialog's language. */
  lang?: string;
  /** Seconds the child has to insert the card and type the PIN, 1 to 600; default 120. */
  timeout?: number;
}

/** What is installed. Rejects only with FRAME_NOT_SUPPORTED, INSECURE_CONTEXT or REQUEST_PENDING. */
export declare function status(): Promise<Status>;

/**
 * Asks the child's card to sign `challengeNonce` (44 to 128 base64 characters from your server)
 * bound to this page's origin. Send the token and the nonce to your server. Options other than
 * `lang` and `timeout` are refused with INVALID_ARGUMENT.
 */
export declare function authenticate(
  challengeNonce: string,
  options?: AuthenticateOptions,
): Promise<AuthenticationToken>;
