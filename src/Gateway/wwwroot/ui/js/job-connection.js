// Live updates for one unfinished job: WebSocket first, then Server-Sent Events, then polling.
// A dropped connection is retried with exponential backoff and jitter and resumes after the last
// seq the page applied, so nothing is repeated or skipped. A transport is given up for the next
// one only when the gateway answers HTTP but that transport still delivers nothing (a proxy that
// refuses or cuts WebSockets, or buffers event streams), never because the gateway is down or
// restarting. A connection counts as working once something arrived over it.

import { ApiError } from './api.js';
import { isTerminalStatus } from './job-model.js';
import { readEventStream } from './sse-reader.js';

export const TRANSPORTS = ['websocket', 'sse', 'polling'];

const POLL_INTERVAL_MS = 1500;
const WATCHDOG_INTERVAL_MS = 5000;
/** The gateway sends an SSE keep-alive every 3 s of silence; WebSocket keep-alives are pings the page cannot see. */
const SILENCE_LIMIT_MS = { websocket: 20000, sse: 12000 };
const OPEN_FAILURES_BEFORE_FALLBACK = 2;

/** Exponential backoff with ±20 % jitter: 0.5 s, 1 s, 2 s, 4 s, then 5 s. */
export function backoffDelay(attempt) {
  const base = Math.min(5000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function supported(transport) {
  switch (transport) {
    case 'websocket':
      return typeof WebSocket === 'function';
    case 'sse':
      return typeof ReadableStream === 'function' && typeof TextDecoderStream === 'function';
    default:
      return true;
  }
}

export class JobConnection {
  #job;
  #api;
  #handlers;
  #transportIndex = 0;
  #attempt = 0;
  #openFailures = 0;
  #stale = 0;
  #stopped = false;
  #socket = null;
  #abort = null;
  #timer = null;
  #watchdog = null;
  #lastActivity = 0;
  #info = { state: 'idle', transport: null, retryAt: null, reason: null };

  /**
   * @param {object} options
   * @param {import('./job-model.js').JobModel} options.job the job; its seq is where a resume starts
   * @param {import('./api.js').DownloadApi} options.api
   * @param {(event: object) => void} options.onEvent a WebSocket or SSE event
   * @param {(status: object) => void} options.onStatus a status read while polling or probing
   * @param {(info: object) => void} options.onStateChange connection state for the indicator
   * @param {() => void} options.onFinished the job reached a terminal state
   * @param {(error: ApiError) => void} options.onGone the job no longer exists, or may not be read
   */
  constructor({ job, api, onEvent, onStatus, onStateChange, onFinished, onGone }) {
    this.#job = job;
    this.#api = api;
    this.#handlers = { onEvent, onStatus, onStateChange, onFinished, onGone };
    while (!supported(TRANSPORTS[this.#transportIndex])) {
      this.#transportIndex += 1;
    }
  }

  get info() {
    return this.#info;
  }

  get transport() {
    return TRANSPORTS[this.#transportIndex];
  }

  start() {
    this.#setState('connecting');
    this.#connect();
  }

  /** Stops for good (the job finished by another path, the owner changed, the page is leaving). */
  stop(state = 'stopped') {
    if (this.#stopped) {
      return;
    }
    this.#stopped = true;
    this.#teardown();
    this.#setState(state);
  }

  /** The browser is back online: retry now instead of waiting out the backoff. */
  retryNow() {
    if (!this.#stopped && this.#timer !== null && this.#info.state === 'reconnecting' && this.#info.reason !== 'rate-limited') {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#connect();
    }
  }

  #connect() {
    if (this.#stopped) {
      return;
    }
    this.#timer = null;
    switch (this.transport) {
      case 'websocket':
        this.#openWebSocket();
        break;
      case 'sse':
        this.#openEventStream();
        break;
      default:
        this.#poll();
        break;
    }
  }

  #openWebSocket() {
    let socket;
    try {
      socket = new WebSocket(this.#api.subscribeUrl(this.#job.jobId, this.#job.seq), this.#api.owner.webSocketProtocols());
    } catch {
      this.#onOpenFailed();
      return;
    }
    let received = false;
    this.#socket = socket;
    socket.addEventListener('open', () => this.#onOpened());
    socket.addEventListener('message', (message) => {
      if (this.#socket === socket) {
        received = true;
        this.#activity();
        this.#deliver(message.data);
      }
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) {
        return;
      }
      this.#socket = null;
      if (received) {
        this.#onDropped();
      } else {
        this.#onOpenFailed();
      }
    });
  }

  async #openEventStream() {
    const abort = new AbortController();
    this.#abort = abort;
    let response;
    try {
      response = await this.#api.openEvents(this.#job.jobId, this.#job.seq, abort.signal);
    } catch {
      if (this.#abort === abort) {
        this.#abort = null;
        this.#onOpenFailed();
      }
      return;
    }
    this.#onOpened();
    let received = false;
    try {
      await readEventStream(response, {
        onMessage: (message) => {
          if (this.#abort === abort) {
            this.#deliver(message.data);
          }
        },
        // Keep-alive comments count: they prove the stream reaches the page unbuffered.
        onActivity: () => {
          received = true;
          this.#activity();
        },
      });
    } catch {
      // A reset connection ends the stream like a close does.
    }
    if (this.#abort === abort) {
      this.#abort = null;
      if (received) {
        this.#onDropped();
      } else {
        this.#onOpenFailed();
      }
    }
  }

  async #poll() {
    let status;
    try {
      status = await this.#api.status(this.#job.jobId);
    } catch (error) {
      if (!this.#stopped) {
        this.#onRequestFailed(error);
      }
      return;
    }
    if (this.#stopped) {
      return;
    }
    if (this.#info.state !== 'live') {
      this.#onOpened();
    }
    this.#activity();
    this.#handlers.onStatus(status);
    if (this.#job.terminal || isTerminalStatus(status.status)) {
      this.#finish();
      return;
    }
    this.#timer = setTimeout(() => this.#connect(), POLL_INTERVAL_MS);
  }

  #deliver(text) {
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    this.#handlers.onEvent(event);
    if (this.#job.terminal) {
      this.#finish();
    }
  }

  #onOpened() {
    this.#attempt = 0;
    this.#lastActivity = Date.now();
    this.#setState('live');
    this.#startWatchdog();
  }

  /** A connection that was open went away without the job finishing: resume it. */
  #onDropped() {
    this.#stopWatchdog();
    if (this.#stopped) {
      return;
    }
    if (this.#job.terminal) {
      this.#finish();
      return;
    }
    this.#retryIn(backoffDelay(this.#attempt + 1), 'dropped');
  }

  /** A connection could not be opened, or closed before anything arrived: ask over plain HTTP whether the gateway, or the transport, is the problem. */
  async #onOpenFailed() {
    this.#stopWatchdog();
    if (this.#stopped) {
      return;
    }
    let status;
    try {
      status = await this.#api.status(this.#job.jobId);
    } catch (error) {
      if (!this.#stopped) {
        this.#onRequestFailed(error);
      }
      return;
    }
    if (this.#stopped) {
      return;
    }
    // The gateway answers, yet the transport did not open. Even when the job has finished in the
    // meantime, the transport is retried rather than the status shown: resuming after the last
    // seq replays the events missed, so no progress is skipped (polling, the last resort, does
    // show statuses).
    this.#openFailures += 1;
    if (this.#openFailures >= OPEN_FAILURES_BEFORE_FALLBACK && this.#fallBack()) {
      return;
    }
    this.#retryIn(backoffDelay(this.#openFailures), 'unavailable');
  }

  #onRequestFailed(error) {
    if (error instanceof ApiError) {
      if (error.status === 404 || error.status === 401 || error.status === 403) {
        this.stop('gone');
        this.#handlers.onGone(error);
        return;
      }
      if (error.status === 429) {
        const seconds = error.retryAfterSeconds ?? Math.ceil(backoffDelay(this.#attempt + 1) / 1000);
        this.#retryIn(Math.max(1, seconds) * 1000, 'rate-limited');
        return;
      }
    }
    // No answer, or the gateway is unwell (503 while it reconnects to the cluster): wait and retry.
    this.#retryIn(backoffDelay(this.#attempt + 1), 'unreachable');
  }

  #fallBack() {
    let next = this.#transportIndex + 1;
    while (next < TRANSPORTS.length && !supported(TRANSPORTS[next])) {
      next += 1;
    }
    if (next >= TRANSPORTS.length) {
      return false;
    }
    this.#transportIndex = next;
    this.#openFailures = 0;
    this.#stale = 0;
    this.#attempt = 0;
    this.#setState('connecting');
    this.#connect();
    return true;
  }

  #retryIn(delayMs, reason) {
    this.#attempt += 1;
    this.#setState('reconnecting', { retryAt: Date.now() + delayMs, reason });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#connect(), delayMs);
  }

  /** Something arrived: the connection works, so earlier failures of this transport are forgiven. */
  #activity() {
    this.#lastActivity = Date.now();
    this.#openFailures = 0;
    this.#stale = 0;
  }

  #startWatchdog() {
    this.#stopWatchdog();
    const limit = SILENCE_LIMIT_MS[this.transport];
    if (!limit) {
      return;
    }
    this.#watchdog = setInterval(() => this.#checkSilence(limit), WATCHDOG_INTERVAL_MS);
  }

  #stopWatchdog() {
    clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  /** A live connection that has been silent too long while the job moved on is stale: reconnect. */
  async #checkSilence(limit) {
    if (this.#stopped || this.#info.state !== 'live' || Date.now() - this.#lastActivity < limit) {
      return;
    }
    const transport = this.transport;
    if (transport === 'websocket') {
      let status;
      try {
        status = await this.#api.status(this.#job.jobId);
      } catch {
        return;
      }
      if (status.seq <= this.#job.seq && !isTerminalStatus(status.status)) {
        // Quiet because nothing happened, not because the connection is stale.
        this.#lastActivity = Date.now();
        return;
      }
    }
    if (this.#stopped || this.transport !== transport) {
      return;
    }
    this.#stale += 1;
    this.#teardown();
    if (this.#stale >= OPEN_FAILURES_BEFORE_FALLBACK && this.#fallBack()) {
      return;
    }
    this.#retryIn(backoffDelay(1), 'stale');
  }

  #finish() {
    if (this.#stopped) {
      return;
    }
    this.stop('done');
    this.#handlers.onFinished();
  }

  #teardown() {
    this.#stopWatchdog();
    clearTimeout(this.#timer);
    this.#timer = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) {
      socket.close(1000, 'done');
    }
    const abort = this.#abort;
    this.#abort = null;
    abort?.abort();
  }

  #setState(state, { retryAt = null, reason = null } = {}) {
    this.#info = { state, transport: this.transport, retryAt, reason, attempt: this.#attempt };
    this.#handlers.onStateChange(this.#info);
  }
}
