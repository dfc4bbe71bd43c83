// The trace id this page sent with each initiate (as a traceparent header), by job id, so a
// failed job can show the trace to quote. The newest entries are kept.

const KEY = 'delineate.traces';
const LIMIT = 200;

export class TraceStore {
  #entries;

  constructor() {
    try {
      const parsed = JSON.parse(window.localStorage.getItem(KEY) ?? '[]');
      this.#entries = new Map(Array.isArray(parsed) ? parsed.filter((e) => Array.isArray(e) && e.length === 2) : []);
    } catch {
      this.#entries = new Map();
    }
  }

  get(jobId) {
    return this.#entries.get(jobId) ?? null;
  }

  set(jobId, traceId) {
    this.#entries.delete(jobId);
    this.#entries.set(jobId, traceId);
    while (this.#entries.size > LIMIT) {
      this.#entries.delete(this.#entries.keys().next().value);
    }
    try {
      window.localStorage.setItem(KEY, JSON.stringify([...this.#entries]));
    } catch {
      // Storage full or disabled: the trace id is still shown while the page stays open.
    }
  }
}
