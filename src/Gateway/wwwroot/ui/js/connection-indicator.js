// The page's connection indicator: one line summing up every job's live connection and whether
// the gateway answers at all. Each change is also dispatched as a `delineate:connection` event.

const TRANSPORT_LABELS = { websocket: 'WebSocket', sse: 'Server-Sent Events', polling: 'polling' };
const ENDED = new Set(['done', 'stopped', 'gone']);

export class ConnectionIndicator {
  #element;
  #text;
  #connections = new Map();
  #reachable = null;
  #shown = '';

  constructor(element, textElement) {
    this.#element = element;
    this.#text = textElement;
  }

  /** Whether the gateway answered the last HTTP request (any status) or not at all. */
  setReachable(reachable) {
    if (this.#reachable !== reachable) {
      this.#reachable = reachable;
      this.#render();
    }
  }

  update(jobId, info) {
    if (ENDED.has(info.state)) {
      this.#connections.delete(jobId);
    } else {
      this.#connections.set(jobId, info);
    }
    this.#render();
  }

  clear() {
    this.#connections.clear();
    this.#render();
  }

  #render() {
    const infos = [...this.#connections.values()];
    const reconnecting = infos.filter((info) => info.state === 'reconnecting');
    let state;
    let transport = '';
    let text;
    if (reconnecting.length > 0) {
      state = 'reconnecting';
      transport = reconnecting[0].transport ?? '';
      const waitFor = Math.max(0, Math.min(...reconnecting.map((info) => info.retryAt ?? Date.now())) - Date.now());
      const seconds = Math.max(1, Math.round(waitFor / 1000));
      text = reconnecting.every((info) => info.reason === 'rate-limited')
        ? `Rate limited: retrying in ${seconds} s`
        : 'Connection lost: reconnecting…';
    } else if (infos.some((info) => info.state === 'connecting')) {
      state = 'connecting';
      text = 'Connecting…';
    } else if (infos.some((info) => info.state === 'live')) {
      state = 'live';
      const transports = [...new Set(infos.map((info) => info.transport))];
      transport = transports.join(' ');
      text = `Live updates over ${transports.map((t) => TRANSPORT_LABELS[t] ?? t).join(' and ')}`;
    } else if (this.#reachable === false) {
      state = 'offline';
      text = 'Offline: the service cannot be reached';
    } else if (this.#reachable === null) {
      state = 'connecting';
      text = 'Connecting…';
    } else {
      state = 'idle';
      text = 'Connected';
    }
    const key = `${state}|${transport}|${text}`;
    if (key === this.#shown) {
      return;
    }
    this.#shown = key;
    this.#element.dataset.state = state;
    this.#element.dataset.transport = transport;
    this.#text.textContent = text;
    document.dispatchEvent(new CustomEvent('delineate:connection', { detail: { state, transport, text } }));
  }
}
