// Who the caller is: a user id (Auth:Mode none) or an API key (Auth:Mode apikey), kept in
// localStorage and sent on every request, including WebSocket handshakes and event streams.

const KIND_KEY = 'delineate.owner.kind';
const VALUE_KEY = 'delineate.owner.value';

/** Subprotocol the page speaks; the gateway selects it when it accepts a subscription. */
export const WEBSOCKET_PROTOCOL = 'delineate.v1';

function readStorage(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    if (value === null || value === '') {
      window.localStorage.removeItem(key);
    } else {
      window.localStorage.setItem(key, value);
    }
    return true;
  } catch {
    return false;
  }
}

/** base64url of the UTF-8 bytes, without padding: a valid subprotocol token for any owner text. */
function base64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class OwnerStore extends EventTarget {
  #kind;
  #value;

  constructor() {
    super();
    this.#kind = readStorage(KIND_KEY) === 'apikey' ? 'apikey' : 'user';
    this.#value = (readStorage(VALUE_KEY) ?? '').trim();
  }

  get kind() {
    return this.#kind;
  }

  get value() {
    return this.#value;
  }

  /** Stores a new owner; returns false when the browser refused to keep it (it still applies to this page). */
  save(kind, value) {
    const normalizedKind = kind === 'apikey' ? 'apikey' : 'user';
    const normalizedValue = String(value ?? '').trim();
    const changed = normalizedKind !== this.#kind || normalizedValue !== this.#value;
    this.#kind = normalizedKind;
    this.#value = normalizedValue;
    const kept = writeStorage(KIND_KEY, normalizedKind) && writeStorage(VALUE_KEY, normalizedValue);
    if (changed) {
      this.dispatchEvent(new Event('change'));
    }
    return kept;
  }

  /** The headers that name the owner on a fetch. */
  headers() {
    if (this.#value === '') {
      return {};
    }
    return this.#kind === 'apikey' ? { 'X-API-Key': this.#value } : { 'X-User-Id': this.#value };
  }

  /**
   * WebSocket subprotocols: browsers cannot set headers on a WebSocket handshake, so the owner
   * travels in Sec-WebSocket-Protocol (never in the URL, which proxies log).
   */
  webSocketProtocols() {
    if (this.#value === '') {
      return [];
    }
    const prefix = this.#kind === 'apikey' ? 'delineate.key.' : 'delineate.user.';
    return [WEBSOCKET_PROTOCOL, prefix + base64Url(this.#value)];
  }
}
