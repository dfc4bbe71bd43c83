// The caller's jobs: the list (newest first, paged), each job's card, and following the unfinished ones live.

import { ApiError, NetworkError } from './api.js';
import { JobCard, describeEnd } from './job-card.js';
import { JobActions } from './job-actions.js';
import { JobConnection, backoffDelay } from './job-connection.js';
import { JobModel } from './job-model.js';
import { shortId } from './format.js';

const PAGE_SIZE = 20;
const STATUS_CONCURRENCY = 4;

export class JobList {
  #api;
  #traces;
  #indicator;
  #announcer;
  #template;
  #list;
  #message;
  #moreButton;
  #actions;

  /** @type {Map<string, { model: JobModel, card: JobCard, connection: JobConnection | null, finalLoaded: boolean }>} */
  #jobs = new Map();
  #nextCursor = null;
  #listGeneration = 0;
  #listRetryTimer = null;
  #listAttempt = 0;

  /**
   * @param {{ api: import('./api.js').DownloadApi, traces: import('./trace-store.js').TraceStore,
   *   indicator: import('./connection-indicator.js').ConnectionIndicator, announcer: import('./announcer.js').Announcer,
   *   template: HTMLTemplateElement, list: HTMLElement, message: HTMLElement, moreButton: HTMLButtonElement }} deps
   */
  constructor({ api, traces, indicator, announcer, template, list, message, moreButton }) {
    this.#api = api;
    this.#traces = traces;
    this.#indicator = indicator;
    this.#announcer = announcer;
    this.#template = template;
    this.#list = list;
    this.#message = message;
    this.#moreButton = moreButton;
    this.#actions = new JobActions({
      api,
      announcer,
      page: {
        render: (entry) => this.#render(entry),
        loadStatus: (entry) => this.#loadStatus(entry),
        removeJob: (entry, reason) => this.#removeJob(entry, reason),
        follow: (entry) => this.#follow(entry),
      },
    });
  }

  /** Shows a job the page just started, and follows it. */
  addStarted(accepted) {
    const entry = this.#entryFor(accepted.jobId, new Date().toISOString());
    entry.model.filesTotal = accepted.totalFileIds ?? 0;
    entry.model.status = accepted.status ?? 'queued';
    this.#render(entry);
    this.#placeCards();
    this.#showJobsCount();
    this.#follow(entry);
  }

  /** Forgets every job and lists them again (another owner, or back from the back/forward cache). */
  async reload() {
    this.stopAll();
    this.#jobs.clear();
    this.#list.replaceChildren();
    this.#indicator.clear();
    this.#nextCursor = null;
    await this.load();
  }

  /** Lists the first page again, or with `more` the next one; unfinished jobs are followed. */
  async load({ more = false } = {}) {
    const generation = ++this.#listGeneration;
    clearTimeout(this.#listRetryTimer);
    this.#list.setAttribute('aria-busy', 'true');
    let page;
    try {
      page = await this.#api.listJobs({ cursor: more ? this.#nextCursor : null, limit: PAGE_SIZE });
    } catch (error) {
      if (generation !== this.#listGeneration) {
        return;
      }
      this.#list.removeAttribute('aria-busy');
      this.#message.textContent = describeListError(error);
      if (error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 429))) {
        this.#listAttempt += 1;
        const wait = error instanceof ApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : backoffDelay(this.#listAttempt);
        this.#listRetryTimer = setTimeout(() => this.load({ more }), wait);
      }
      return;
    }
    if (generation !== this.#listGeneration) {
      return;
    }
    this.#listAttempt = 0;
    this.#list.removeAttribute('aria-busy');
    const fresh = [];
    for (const item of page.jobs ?? []) {
      const known = this.#jobs.has(item.jobId);
      const entry = this.#entryFor(item.jobId, item.createdAt);
      entry.model.applyListItem(item);
      if (!known) {
        this.#render(entry);
        fresh.push(entry);
      }
    }
    if (!more || page.nextCursor !== undefined) {
      this.#nextCursor = page.nextCursor ?? null;
    }
    this.#moreButton.hidden = !this.#nextCursor;
    this.#placeCards();
    this.#showJobsCount(page.total);
    await forEachLimited(fresh, STATUS_CONCURRENCY, (entry) => this.#hydrate(entry));
  }

  /** Back online: every connection retries at once. */
  retryNow() {
    for (const entry of this.#jobs.values()) {
      entry.connection?.retryNow();
    }
  }

  stopAll() {
    for (const entry of this.#jobs.values()) {
      entry.connection?.stop();
    }
  }

  #entryFor(jobId, createdAt) {
    let entry = this.#jobs.get(jobId);
    if (!entry) {
      const model = new JobModel(jobId);
      model.createdAt = createdAt ?? null;
      entry = { model, card: null, connection: null, finalLoaded: false, busy: null };
      const created = entry;
      entry.card = new JobCard(this.#template, model, {
        onCancel: () => this.#actions.cancel(created),
        onRetry: () => this.#actions.retry(created),
        onPurge: () => this.#actions.purge(created),
        onExpand: () => {
          if (!created.model.hasFullStatus) {
            this.#loadStatus(created);
          }
        },
      });
      this.#jobs.set(jobId, entry);
    }
    return entry;
  }

  #render(entry) {
    entry.card.render({ traceId: this.#traces.get(entry.model.jobId) });
    this.#announcer.progress(entry.model.jobId, `Job ${shortId(entry.model.jobId)}`, entry.model, describeEnd);
  }

  /**
   * Keeps the cards newest first, as the API lists them: job ids are time-ordered (version 7) GUIDs,
   * so their text order is creation order, whatever this browser's clock says. Only cards out of
   * place are moved (moving a node drops its focus).
   */
  #placeCards() {
    const ordered = [...this.#jobs.values()].sort((a, b) => b.model.jobId.localeCompare(a.model.jobId));
    let cursor = this.#list.firstElementChild;
    for (const entry of ordered) {
      const element = entry.card.element;
      if (element === cursor) {
        cursor = cursor.nextElementSibling;
      } else {
        this.#list.insertBefore(element, cursor);
      }
    }
  }

  #showJobsCount(total) {
    const shown = this.#jobs.size;
    const all = Math.max(total ?? 0, shown);
    this.#message.textContent = shown === 0 ? 'No jobs yet: start one above.' : all > shown ? `Showing ${shown} of ${all} jobs.` : `${shown} ${shown === 1 ? 'job' : 'jobs'}.`;
  }

  /** Reads a job's full status, then follows it live when it has not finished. */
  async #hydrate(entry) {
    const error = await this.#loadStatus(entry);
    if (this.#jobs.get(entry.model.jobId) !== entry) {
      return;
    }
    if (!entry.model.terminal) {
      this.#follow(entry);
    } else if (error) {
      this.#finishJob(entry);
    } else {
      entry.finalLoaded = true;
    }
  }

  /** Reads and shows a job's status; returns null when done, else the error (a 404 removes the card). */
  async #loadStatus(entry) {
    try {
      const status = await this.#api.status(entry.model.jobId);
      if (entry.model.applyStatus(status)) {
        this.#render(entry);
      }
      return null;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#removeJob(entry, 'gone');
      }
      return error;
    }
  }

  #follow(entry) {
    if (entry.connection || entry.model.terminal) {
      return;
    }
    const { model } = entry;
    entry.connection = new JobConnection({
      job: model,
      api: this.#api,
      onEvent: (event) => {
        if (model.applyEvent(event)) {
          this.#render(entry);
        }
      },
      onStatus: (status) => {
        if (model.applyStatus(status)) {
          this.#render(entry);
        }
      },
      onStateChange: (info) => {
        if (info.state === 'live') {
          this.#indicator.setReachable(true);
        }
        entry.card.element.dataset.connection = info.state;
        entry.card.element.dataset.transport = info.transport ?? '';
        this.#indicator.update(model.jobId, info);
      },
      onFinished: () => this.#finishJob(entry),
      onGone: () => this.#removeJob(entry, 'gone'),
    });
    entry.connection.start();
  }

  /**
   * The terminal event carries no result: read the final status once for the links and files,
   * waiting out a 429's Retry-After or an unreachable gateway as long as the page stays open.
   */
  async #finishJob(entry, attempt = 0) {
    if (entry.finalLoaded || this.#jobs.get(entry.model.jobId) !== entry) {
      return;
    }
    const error = await this.#loadStatus(entry);
    if (!error) {
      entry.finalLoaded = true;
      return;
    }
    if (this.#jobs.get(entry.model.jobId) !== entry || (error instanceof ApiError && error.status < 500 && error.status !== 429)) {
      return;
    }
    const wait = error instanceof ApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : backoffDelay(attempt + 1);
    setTimeout(() => this.#finishJob(entry, attempt + 1), wait);
  }

  #removeJob(entry, reason) {
    const { jobId } = entry.model;
    if (this.#jobs.get(jobId) !== entry) {
      return;
    }
    entry.connection?.stop(reason === 'gone' ? 'gone' : 'stopped');
    this.#jobs.delete(jobId);
    this.#indicator.update(jobId, { state: 'gone' });
    this.#announcer.forget(jobId);
    entry.card.element.remove();
    this.#showJobsCount();
  }
}

function describeListError(error) {
  if (error instanceof NetworkError) {
    return 'Cannot reach the service to list your jobs; retrying…';
  }
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return 'The service needs a valid API key to list your jobs: enter it under “Who you are”.';
    }
    if (error.status === 429) {
      return `Too many requests; listing your jobs again in ${error.retryAfterSeconds ?? 'a few'} s.`;
    }
    return `Your jobs could not be listed: ${error.message}`;
  }
  return 'Your jobs could not be listed.';
}

async function forEachLimited(items, limit, action) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length > 0) {
      await action(queue.shift());
    }
  });
  await Promise.all(workers);
}
