// One job's card: progress bar, phase, counts, ETA, result links, error and trace id, cancel,
// retry and purge, and the per-file table. Built from the page's <template>; text only, never HTML from the API.
// After each render the card dispatches `delineate:render` with what it now shows.

import {
  fileStatusLabel, formatBytes, formatClock, formatDuration, formatNumber, formatTime, phaseLabel, shortId, statusLabel,
} from './format.js';

export function describeEnd(model) {
  switch (model.status) {
    case 'completed':
      return model.result?.message ?? `completed, ${model.filesDone} of ${model.filesTotal} files done`;
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return `failed${model.error ? `: ${model.error}` : ''}`;
    default:
      return statusLabel(model.status);
  }
}

export class JobCard {
  #model;
  #root;
  #parts;
  #rows = new Map();
  #shownFiles = new Map();

  /**
   * @param {HTMLTemplateElement} template
   * @param {import('./job-model.js').JobModel} model
   * @param {{ onCancel: () => void, onRetry: () => void, onPurge: () => void, onExpand: () => void }} actions
   */
  constructor(template, model, actions) {
    this.#model = model;
    this.#root = template.content.firstElementChild.cloneNode(true);
    const q = (selector) => this.#root.querySelector(selector);
    this.#parts = {
      article: q('.job-card'),
      title: q('.job-title'),
      shortId: q('.job-short-id'),
      fullId: q('.job-full-id'),
      created: q('.job-created'),
      status: q('.job-status'),
      progress: q('.job-progress'),
      percent: q('.job-percent'),
      phase: q('.job-phase'),
      done: q('.job-done'),
      missing: q('.job-missing'),
      failed: q('.job-failed'),
      eta: q('.job-eta'),
      message: q('.job-message'),
      error: q('.job-error'),
      errorText: q('.job-error-text'),
      trace: q('.job-trace'),
      traceId: q('.job-trace-id'),
      download: q('.job-download'),
      cancel: q('.job-cancel'),
      retry: q('.job-retry'),
      purge: q('.job-purge'),
      expires: q('.job-expires'),
      files: q('.job-files'),
      filesSummary: q('.job-files summary'),
      filesBody: q('.files-table tbody'),
      scroll: q('.table-scroll'),
    };
    const id = model.jobId;
    const domId = `job-${id}`;
    this.#root.id = domId;
    this.#root.dataset.jobId = id;
    this.#parts.title.id = `${domId}-title`;
    this.#parts.phase.id = `${domId}-phase`;
    this.#parts.article.setAttribute('aria-labelledby', this.#parts.title.id);
    this.#parts.shortId.textContent = shortId(id);
    this.#parts.fullId.textContent = id;
    this.#parts.progress.setAttribute('aria-label', `Progress of job ${shortId(id)}`);
    this.#parts.progress.setAttribute('aria-describedby', this.#parts.phase.id);
    this.#parts.cancel.setAttribute('aria-label', `Cancel job ${shortId(id)}`);
    this.#parts.retry.setAttribute('aria-label', `Retry failed files of job ${shortId(id)}`);
    this.#parts.purge.setAttribute('aria-label', `Purge job ${shortId(id)}: delete it and its archive now`);
    this.#parts.scroll.setAttribute('aria-label', `Files of job ${shortId(id)}`);
    this.#parts.cancel.addEventListener('click', () => actions.onCancel());
    this.#parts.retry.addEventListener('click', () => actions.onRetry());
    this.#parts.purge.addEventListener('click', () => actions.onPurge());
    this.#parts.files.addEventListener('toggle', () => {
      if (this.#parts.files.open) {
        this.#renderFiles();
        actions.onExpand();
      }
    });
  }

  get element() {
    return this.#root;
  }

  get createdAt() {
    return this.#model.createdAt;
  }

  /** While an action is under way (`cancel`, `retry`, `purge`, or null when none), its button says so. */
  setBusy(action) {
    const p = this.#parts;
    p.cancel.disabled = p.retry.disabled = p.purge.disabled = action !== null;
    p.cancel.textContent = action === 'cancel' ? 'Cancelling…' : 'Cancel';
    p.retry.textContent = action === 'retry' ? 'Retrying…' : 'Retry failed files';
    p.purge.textContent = action === 'purge' ? 'Purging…' : 'Purge';
  }

  render({ traceId } = {}) {
    const m = this.#model;
    const p = this.#parts;
    const root = this.#root;
    root.dataset.status = m.status;
    root.dataset.phase = m.phase;
    root.dataset.seq = String(m.seq);
    root.dataset.progress = String(m.progress);

    if (m.createdAt) {
      p.created.textContent = `Started ${formatTime(m.createdAt)}`;
    }
    p.status.textContent = statusLabel(m.status);
    p.status.dataset.status = m.status;
    if (Number(p.progress.value) !== m.progress) {
      p.progress.value = m.progress;
    }
    p.percent.textContent = `${m.progress}%`;
    p.phase.textContent = m.terminal
      ? `${statusLabel(m.status)} · ${formatNumber(m.filesDone)} of ${formatNumber(m.filesTotal)} files processed`
      : `${phaseLabel(m.phase)} · ${m.progress}% · ${formatNumber(m.filesDone)} of ${formatNumber(m.filesTotal)} files`;
    p.done.textContent = `${formatNumber(m.filesDone)} / ${formatNumber(m.filesTotal)}`;
    p.missing.textContent = formatNumber(m.filesMissing);
    p.failed.textContent = formatNumber(m.filesFailed);
    p.missing.dataset.nonzero = String(m.filesMissing > 0);
    p.failed.dataset.nonzero = String(m.filesFailed > 0);
    p.eta.textContent = m.terminal ? '—' : m.etaSeconds === null || m.etaSeconds === undefined ? 'estimating…' : formatDuration(m.etaSeconds);

    const failed = m.status === 'failed';
    const fallback = { cancelled: 'The job was cancelled.', completed: 'Fetching the download links…' }[m.status] ?? '';
    let message = m.terminal ? (m.result?.message ?? fallback) : '';
    if (failed && message === m.error) {
      message = '';
    }
    p.message.textContent = message;
    p.message.hidden = message === '';

    p.error.hidden = !failed;
    if (failed) {
      p.errorText.textContent = m.error ? `The job failed: ${m.error}` : 'The job failed.';
      const trace = m.traceId ?? traceId ?? null;
      p.trace.hidden = trace === null;
      p.traceId.textContent = trace ?? '';
    }

    const archiveUrl = m.status === 'completed' ? m.result?.archiveUrl : null;
    p.download.hidden = !archiveUrl;
    if (archiveUrl) {
      if (p.download.getAttribute('href') !== archiveUrl) {
        p.download.href = archiveUrl;
      }
      p.download.setAttribute('download', `${m.jobId}.zip`);
      p.download.textContent = `Download archive (${formatNumber(m.result.successCount ?? 0)} files)`;
      // The accessible name starts with the visible text (WCAG 2.5.3), then says which job.
      p.download.setAttribute('aria-label', `${p.download.textContent} of job ${shortId(m.jobId)}`);
    } else {
      p.download.removeAttribute('href');
    }
    p.cancel.hidden = m.terminal;
    // Worth a retry: failed with some file not missing, or completed with failed files.
    p.retry.hidden = !((m.status === 'failed' && m.filesMissing < m.filesTotal) || (m.status === 'completed' && m.filesFailed > 0));
    p.purge.hidden = !m.terminal;
    const expiresAt = m.terminal ? m.result?.expiresAt : null;
    p.expires.hidden = !expiresAt;
    p.expires.textContent = expiresAt ? `Links valid until ${formatClock(expiresAt)}` : '';

    p.filesSummary.textContent = `Files (${formatNumber(Math.max(m.files.size, m.filesTotal))})`;
    if (p.files.open) {
      this.#renderFiles();
    }

    document.dispatchEvent(new CustomEvent('delineate:render', {
      detail: { jobId: m.jobId, seq: m.seq, progress: Number(p.progress.value), status: m.status, phase: m.phase },
    }));
  }

  /** Updates only the rows whose file changed (a job holds up to 1000 files), in the job's order. */
  #renderFiles() {
    let previous = null;
    for (const [fileId, file] of this.#model.files) {
      const known = this.#rows.get(fileId);
      if (known) {
        const expected = previous ? previous.nextElementSibling : this.#parts.filesBody.firstElementChild;
        if (known.tr !== expected) {
          this.#parts.filesBody.insertBefore(known.tr, expected);
        }
        previous = known.tr;
      }
      if (this.#shownFiles.get(fileId) === file) {
        continue;
      }
      this.#shownFiles.set(fileId, file);
      let row = this.#rows.get(fileId);
      if (!row) {
        row = this.#newRow(fileId);
        this.#rows.set(fileId, row);
        this.#parts.filesBody.insertBefore(row.tr, previous ? previous.nextElementSibling : this.#parts.filesBody.firstElementChild);
        previous = row.tr;
      }
      row.tr.dataset.status = file.status;
      row.status.textContent = fileStatusLabel(file.status);
      row.status.dataset.status = file.status;
      row.size.textContent = formatBytes(file.size);
      row.attempts.textContent = formatNumber(file.attempts ?? 0);
      row.result.replaceChildren(this.#resultOf(fileId, file));
    }
  }

  #newRow(fileId) {
    const tr = document.createElement('tr');
    const id = document.createElement('th');
    id.scope = 'row';
    id.textContent = String(fileId);
    const cell = () => document.createElement('td');
    const status = document.createElement('span');
    status.className = 'file-status';
    const statusCell = cell();
    statusCell.append(status);
    const size = cell();
    const attempts = cell();
    const result = cell();
    size.className = 'numeric';
    attempts.className = 'numeric';
    tr.append(id, statusCell, size, attempts, result);
    return { tr, status, size, attempts, result };
  }

  #resultOf(fileId, file) {
    if (file.status === 'ready' && file.url) {
      const link = document.createElement('a');
      link.href = file.url;
      link.setAttribute('download', `${fileId}.zip`);
      link.textContent = 'Download';
      link.setAttribute('aria-label', `Download file ${fileId}`);
      return link;
    }
    const text = {
      ready: 'Ready',
      missing: 'Not found',
      failed: file.error ? `Failed: ${file.error}` : 'Failed',
      processing: 'Fetching…',
      pending: 'Waiting',
    }[file.status] ?? '—';
    return document.createTextNode(text);
  }
}
