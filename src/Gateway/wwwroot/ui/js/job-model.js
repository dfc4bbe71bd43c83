// One job as the page knows it. Progress never goes back on screen: an event or status with a
// seq at or below the last one applied is ignored (a terminal one excepted: it may repeat the
// last seq to close the stream), and the bar only ever takes the larger value.

export const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

export function isTerminalStatus(status) {
  return TERMINAL_STATUSES.has(status);
}

export class JobModel {
  constructor(jobId) {
    this.jobId = jobId;
    this.seq = -1;
    this.status = 'queued';
    this.phase = 'queued';
    this.progress = 0;
    this.filesDone = 0;
    this.filesTotal = 0;
    this.filesMissing = 0;
    this.filesFailed = 0;
    this.bytesDone = 0;
    this.etaSeconds = null;
    this.createdAt = null;
    this.updatedAt = null;
    /** @type {Map<number, object>} file_id → per-file result, in the job's order. */
    this.files = new Map();
    this.result = null;
    this.error = null;
    this.traceId = null;
    this.hasFullStatus = false;
  }

  get terminal() {
    return isTerminalStatus(this.status);
  }

  /** Retried: not finished any more; its seq goes on, its progress starts over from what the service says. */
  restart() {
    this.status = 'queued';
    this.phase = 'queued';
    this.progress = 0;
    this.etaSeconds = null;
    this.result = null;
    this.error = null;
  }

  /** From a GET /jobs item: only what is not known better already. */
  applyListItem(item) {
    this.createdAt ??= item.createdAt;
    this.updatedAt ??= item.updatedAt;
    if (this.filesTotal === 0) {
      this.filesTotal = item.filesTotal ?? 0;
    }
    if (this.seq < 0 && !this.terminal) {
      this.status = item.status ?? this.status;
    }
  }

  /** A WebSocket or SSE event. Returns true when something shown changed. */
  applyEvent(event) {
    if (!event || typeof event.seq !== 'number') {
      return false;
    }
    const terminalEvent = isTerminalStatus(event.type) || isTerminalStatus(event.status);
    if (this.terminal) {
      return false;
    }
    if (!terminalEvent && event.seq <= this.seq) {
      return false;
    }
    this.#applyProgress(event);
    if (event.file) {
      this.#mergeFile(event.file);
    }
    if (event.error) {
      this.error = event.error;
    }
    return true;
  }

  /** A GET /status answer (also the DELETE answer). Returns true when something shown changed. */
  applyStatus(status) {
    if (!status || typeof status.seq !== 'number') {
      return false;
    }
    this.createdAt = status.createdAt ?? this.createdAt;
    const terminalStatus = isTerminalStatus(status.status);
    const current = status.seq >= this.seq && (!this.terminal || terminalStatus);
    if (current) {
      this.#applyProgress(status);
      this.error = status.error ?? this.error;
      this.traceId = status.traceId ?? this.traceId;
      if (status.result) {
        this.result = status.result;
      }
      this.#mergeFiles(status.files ?? []);
      this.hasFullStatus = true;
      return true;
    }
    // Older than what is shown: keep the progress, fill in only what is not known yet.
    let changed = false;
    for (const file of status.files ?? []) {
      if (!this.files.has(file.file_id)) {
        this.files.set(file.file_id, file);
        changed = true;
      }
    }
    if (this.terminal && status.result && !this.result) {
      this.result = status.result;
      changed = true;
    }
    return changed;
  }

  #applyProgress(source) {
    this.seq = Math.max(this.seq, source.seq);
    this.status = source.status ?? this.status;
    this.phase = source.phase ?? this.phase;
    this.progress = Math.max(this.progress, clampPercent(source.progress));
    this.filesDone = source.filesDone ?? this.filesDone;
    this.filesTotal = source.filesTotal ?? this.filesTotal;
    this.filesMissing = source.filesMissing ?? this.filesMissing;
    this.filesFailed = source.filesFailed ?? this.filesFailed;
    this.bytesDone = source.bytesDone ?? this.bytesDone;
    this.etaSeconds = source.etaSeconds ?? null;
    this.updatedAt = source.at ?? source.updatedAt ?? this.updatedAt;
    if (this.status === 'completed') {
      this.progress = 100;
    }
  }

  /** Takes a status's files, in the job's order (events may have brought some earlier, out of order). */
  #mergeFiles(files) {
    const ordered = new Map();
    for (const file of files) {
      if (file && typeof file.file_id === 'number') {
        const known = this.files.get(file.file_id);
        ordered.set(file.file_id, { ...known, ...file, url: file.url ?? known?.url ?? null });
      }
    }
    for (const [fileId, file] of this.files) {
      if (!ordered.has(fileId)) {
        ordered.set(fileId, file);
      }
    }
    this.files = ordered;
  }

  #mergeFile(file) {
    if (file && typeof file.file_id === 'number') {
      const known = this.files.get(file.file_id);
      // An event's file carries no URL; keep the one a status gave.
      this.files.set(file.file_id, { ...known, ...file, url: file.url ?? known?.url ?? null });
    }
  }
}

function clampPercent(value) {
  const number = Number(value);
  return Number.isFinite(number) ? Math.min(100, Math.max(0, number)) : 0;
}
