// Types of peerbook.js, the browser client of a peerbook signaling server.

export declare const State: Readonly<{
  CONNECTING: "connecting";
  WAITING: "waiting";
  APPROVED: "approved";
  REJECTED: "rejected";
  REMOVED: "removed";
  REFUSED: "refused";
  REPLACED: "replaced";
  UNAVAILABLE: "unavailable";
  CLOSED: "closed";
}>;
export type PeerbookState = (typeof State)[keyof typeof State];

export interface StatusDetail {
  state: PeerbookState;
  code: number;
  text: string;
}

/** A list entry: built-in fields plus the peer's app properties. */
export interface PeerEntry {
  name: string;
  fingerprint: string;
  kind: string | null;
  registration_date: string;
  last_connection: string | null;
  online: boolean;
  [property: string]: string | number | boolean | null;
}

export interface PeerUpdate extends PeerEntry {
  event: "online" | "offline" | "approved" | "renamed" | "removed";
  old_name?: string;
}

export interface SignalDetail {
  source: string;
  fingerprint: string;
  offer?: RTCSessionDescriptionInit;
  answer?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit | null;
}

export interface ErrorDetail {
  code: number;
  text: string;
  id?: string | number;
  target?: string;
}

/** A device key as loadCertificate and loadDeviceKey return it. */
export interface DeviceKey {
  /** Non-extractable: it signs, nobody reads it. */
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** base64url (no padding) of the public key's SubjectPublicKeyInfo DER: the `key` sent to peerbook. */
  spki: string;
  /** First 16 hex digits of SHA-256 of the SPKI DER, upper-case, in groups of four joined by "-". */
  keyId: string;
}

export interface PeerbookOptions {
  url: string;
  email: string;
  name: string;
  fingerprint: string;
  /** Sent on every connect; the SDK answers the server's challenge with its signature. */
  deviceKey?: DeviceKey | null;
  kind?: string;
  minDelay?: number;
  maxDelay?: number;
}

export interface PeerbookEventMap {
  status: CustomEvent<StatusDetail>;
  offer: CustomEvent<SignalDetail>;
  answer: CustomEvent<SignalDetail>;
  candidate: CustomEvent<SignalDetail>;
  peer_update: CustomEvent<PeerUpdate>;
  error: CustomEvent<ErrorDetail>;
}

export declare class PeerbookError extends Error {
  readonly code: number;
  readonly text: string;
  readonly target?: string;
}

export declare class FingerprintMismatch extends Error {
  readonly expected: string;
  readonly actual: string | null;
}

export declare class Peerbook extends EventTarget {
  constructor(options: PeerbookOptions);
  readonly state: PeerbookState;
  /** The device key's id, for the user to compare with the approval mail and page; null without a key. */
  readonly keyId: string | null;
  connect(): void;
  close(): void;
  getList(filter?: Record<string, string | number | boolean | null>): Promise<PeerEntry[]>;
  setProperties(properties: Record<string, string | number | boolean | null>): Promise<void>;
  iceServers(): Promise<RTCIceServer[]>;
  ping(): Promise<number>;
  /** Returns the message id that an `error` event would carry. */
  sendOffer(target: string, offer: RTCSessionDescriptionInit): string;
  sendAnswer(target: string, fingerprint: string, answer: RTCSessionDescriptionInit): string;
  sendCandidate(target: string, candidate: RTCIceCandidateInit | null, fingerprint?: string): string;
  addEventListener<K extends keyof PeerbookEventMap>(type: K, listener: (event: PeerbookEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions): void;
}

/** `deviceKey` is kept next to the certificate; null where WebCrypto is missing (plain http other than localhost). */
export declare function loadCertificate(options?: { database?: string; key?: string }):
  Promise<{ certificate: RTCCertificate; fingerprint: string; deviceKey: DeviceKey | null }>;
export declare function loadDeviceKey(options?: { database?: string; key?: string }): Promise<DeviceKey>;
export declare function certificateFingerprint(certificate: RTCCertificate): string;
export declare function sdpFingerprint(sdp: string | undefined | null): string | null;
export declare function checkFingerprint<T extends { sdp?: string }>(description: T, expected: string): T;
