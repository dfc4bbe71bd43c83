// The download API over fetch: the owner's headers on every request, problem details parsed
// into ApiError (with the wait a 429 asks for), and a signal for the connection indicator.

const API = '/v1/download';

/** An answer that was not 2xx: RFC 9457 problem details when the gateway sent them. */
export class ApiError extends Error {
  constructor(status, problem, retryAfterSeconds, requestId) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfterSeconds = retryAfterSeconds;
    this.requestId = problem?.requestId ?? requestId ?? null;
    this.traceId = problem?.traceId ?? null;
  }

  /** Per-field messages (`errors` of a validation problem), or an empty object. */
  get fieldErrors() {
    const errors = this.problem?.errors;
    return errors && typeof errors === 'object' ? errors : {};
  }
}

/** No answer at all: the gateway is down, restarting, or the network is gone. */
export class NetworkError extends Error {
  constructor(cause) {
    super('The service cannot be reached.');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) {
    return null;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/** A W3C traceparent for a request this page starts, so a job's trace id is known before it fails. */
export function newTraceParent() {
  const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
  const traceId = hex(16);
  return { traceId, header: `00-${traceId}-${hex(8)}-01` };
}

export class DownloadApi extends EventTarget {
  #owner;

  constructor(owner) {
    super();
    this.#owner = owner;
  }

  get owner() {
    return this.#owner;
  }

  /** Tells listeners whether the gateway answered (any HTTP status) or not at all. */
  #reach(reachable, status) {
    this.dispatchEvent(new CustomEvent('reachability', { detail: { reachable, status } }));
  }

  async #request(method, path, { body, headers = {}, signal } = {}) {
    const init = {
      method,
      signal,
      cache: 'no-store',
      headers: { Accept: 'application/json', ...this.#owner.headers(), ...headers },
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error?.name === 'AbortError') {
        throw error;
      }
      this.#reach(false, 0);
      throw new NetworkError(error);
    }
    this.#reach(response.status < 500 || response.status === 501, response.status);
    const text = await response.text().catch(() => '');
    let json = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!response.ok) {
      throw new ApiError(
        response.status,
        json ?? { title: response.statusText || `HTTP ${response.status}` },
        parseRetryAfter(response.headers.get('Retry-After')),
        response.headers.get('X-Request-ID'));
    }
    return json;
  }

  initiate(body, traceParent) {
    return this.#request('POST', `${API}/initiate`, { body, headers: traceParent ? { traceparent: traceParent } : {} });
  }

  listJobs({ cursor, limit = 20, signal } = {}) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) {
      query.set('cursor', cursor);
    }
    return this.#request('GET', `${API}/jobs?${query}`, { signal });
  }

  status(jobId, { signal } = {}) {
    return this.#request('GET', `${API}/status/${encodeURIComponent(jobId)}`, { signal });
  }

  cancel(jobId) {
    return this.#request('DELETE', `${API}/${encodeURIComponent(jobId)}`);
  }

  retry(jobId) {
    return this.#request('POST', `${API}/${encodeURIComponent(jobId)}/retry`);
  }

  purge(jobId) {
    return this.#request('DELETE', `${API}/${encodeURIComponent(jobId)}?purge=true`);
  }

  subscribeUrl(jobId, afterSeq) {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = afterSeq >= 0 ? `?after=${afterSeq}` : '';
    return `${scheme}//${window.location.host}${API}/subscribe/${encodeURIComponent(jobId)}${query}`;
  }

  /** Opens the Server-Sent Events stream with fetch (EventSource cannot send the owner's headers). */
  async openEvents(jobId, afterSeq, signal) {
    const headers = { Accept: 'text/event-stream', ...this.#owner.headers() };
    if (afterSeq >= 0) {
      headers['Last-Event-ID'] = String(afterSeq);
    }
    let response;
    try {
      response = await fetch(`${API}/events/${encodeURIComponent(jobId)}`, { headers, signal, cache: 'no-store' });
    } catch (error) {
      if (error?.name === 'AbortError') {
        throw error;
      }
      this.#reach(false, 0);
      throw new NetworkError(error);
    }
    this.#reach(response.status < 500, response.status);
    if (!response.ok || !response.body) {
      let problem = null;
      try {
        problem = await response.json();
      } catch {
        problem = null;
      }
      throw new ApiError(response.status, problem, parseRetryAfter(response.headers.get('Retry-After')), response.headers.get('X-Request-ID'));
    }
    return response;
  }
}
