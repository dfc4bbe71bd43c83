// The progress page: owner settings, the start form, and the caller's jobs with live progress.

import { Announcer } from './announcer.js';
import { ApiError, DownloadApi, NetworkError, newTraceParent } from './api.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { initiateBody, parseFileIds } from './file-ids.js';
import { JobCard, describeEnd } from './job-card.js';
import { JobActions } from './job-actions.js';
import { JobConnection, backoffDelay } from './job-connection.js';
import { JobModel } from './job-model.js';
import { formatClock, formatNumber, shortId } from './format.js';
import { OwnerStore } from './owner-store.js';
import { TraceStore } from './trace-store.js';

const PAGE_SIZE = 20;
const STATUS_CONCURRENCY = 4;

const $ = (id) => document.getElementById(id);

const owner = new OwnerStore();
const api = new DownloadApi(owner);
const traces = new TraceStore();
const indicator = new ConnectionIndicator($('connection'), $('connection-text'));
const announcer = new Announcer($('announcer'));
const template = $('job-template');
const jobsList = $('jobs');
const jobsMessage = $('jobs-message');
const moreButton = $('more-jobs');
const actions = new JobActions({ api, announcer, page: { render, loadStatus, removeJob, follow } });

/** @type {Map<string, { model: JobModel, card: JobCard, connection: JobConnection | null, finalLoaded: boolean }>} */
const jobs = new Map();
let nextCursor = null;
let listGeneration = 0;
let listRetryTimer = null;
let listAttempt = 0;

api.addEventListener('reachability', (event) => indicator.setReachable(event.detail.reachable));

// ---- Owner -----------------------------------------------------------------------------------

function setupOwnerForm() {
  const form = $('owner-form');
  const input = $('owner-value');
  const label = $('owner-value-label');
  const saved = $('owner-saved');
  const kindInputs = form.querySelectorAll('input[name="owner-kind"]');

  const showKind = (kind) => {
    label.textContent = kind === 'apikey' ? 'API key' : 'User id';
    input.type = kind === 'apikey' ? 'password' : 'text';
  };
  for (const radio of kindInputs) {
    radio.checked = radio.value === owner.kind;
    radio.addEventListener('change', () => showKind(radio.value));
  }
  input.value = owner.value;
  showKind(owner.kind);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = form.querySelector('input[name="owner-kind"]:checked')?.value ?? 'user';
    const kept = owner.save(kind, input.value);
    const who = owner.value === '' ? 'anonymous' : kind === 'apikey' ? 'your API key' : `user “${owner.value}”`;
    saved.textContent = kept ? `Saved: requests now go as ${who}.` : `Using ${who} on this page (the browser would not store it).`;
  });
  owner.addEventListener('change', () => reloadJobs());
}

// ---- Starting a job --------------------------------------------------------------------------

function setupStartForm() {
  const form = $('start-form');
  const field = $('file-ids');
  const button = $('start-button');
  const count = $('file-ids-count');

  const showCount = () => {
    const { ids, distinct } = parseFileIds(field.value);
    if (ids.length === 0) {
      count.textContent = '';
    } else if (distinct < ids.length) {
      count.textContent = `${formatNumber(distinct)} ids (${formatNumber(ids.length - distinct)} repeated, sent once)`;
    } else {
      count.textContent = `${formatNumber(ids.length)} ${ids.length === 1 ? 'id' : 'ids'}`;
    }
  };
  field.addEventListener('input', () => {
    showCount();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldError();
    const { ids, invalid } = parseFileIds(field.value);
    if (invalid.length > 0) {
      const shown = invalid.slice(0, 5).map((token) => `“${token}”`).join(', ');
      showFieldError([`Not a whole number: ${shown}${invalid.length > 5 ? ` and ${invalid.length - 5} more` : ''}.`]);
      return;
    }
    if (ids.length === 0) {
      showFieldError(['Enter at least one file id.']);
      return;
    }
    button.disabled = true;
    button.textContent = 'Starting…';
    const trace = newTraceParent();
    try {
      const accepted = await api.initiate(initiateBody(ids), trace.header);
      traces.set(accepted.jobId, trace.traceId);
      field.value = '';
      showCount();
      addStartedJob(accepted);
      announcer.say(`Job ${shortId(accepted.jobId)} started with ${accepted.totalFileIds} files.`);
    } catch (error) {
      showFieldError(...describeStartError(error));
    } finally {
      button.disabled = false;
      button.textContent = 'Start download';
    }
  });
}

/** Messages for the field, and the ids to quote, from a failed initiate. */
function describeStartError(error) {
  if (error instanceof NetworkError) {
    return [['The service cannot be reached. Check the connection and try again.']];
  }
  if (!(error instanceof ApiError)) {
    return [['Something went wrong in the page. Reload and try again.']];
  }
  const { status, problem } = error;
  const fields = error.fieldErrors;
  const messages = [];
  for (const [name, list] of Object.entries(fields)) {
    for (const text of Array.isArray(list) ? list : [list]) {
      messages.push(name === 'file_ids' || name === '' || name === '$' ? String(text) : `${name}: ${text}`);
    }
  }
  if (status === 413) {
    messages.push('Too many ids in one request: the body may be at most 64 KiB. Split them over several jobs.');
  } else if (status === 429) {
    // The cap on unfinished jobs says why in its detail; the rate limit only how long to wait.
    const reason = problem.title === 'Too many unfinished jobs' && problem.detail ? `${problem.detail} ` : 'Too many requests. ';
    if (error.retryAfterSeconds !== null && error.retryAfterSeconds !== undefined) {
      const at = new Date(Date.now() + error.retryAfterSeconds * 1000);
      messages.push(`${reason}Try again in ${error.retryAfterSeconds} s (at ${formatClock(at)}).`);
    } else {
      messages.push(problem.detail || 'Too many requests. Try again later.');
    }
  } else if (status === 401) {
    messages.push('The service needs a valid API key: enter it under “Who you are”.');
  } else if (messages.length === 0) {
    messages.push(problem.detail || problem.title || `The request failed (HTTP ${status}).`);
  }
  return [messages, { status, requestId: error.requestId, traceId: error.traceId }];
}

function showFieldError(messages, ids = {}) {
  const box = $('file-ids-error');
  const field = $('file-ids');
  box.replaceChildren();
  if (messages.length === 1) {
    const p = document.createElement('p');
    p.textContent = messages[0];
    box.append(p);
  } else {
    const list = document.createElement('ul');
    for (const text of messages) {
      const item = document.createElement('li');
      item.textContent = text;
      list.append(item);
    }
    box.append(list);
  }
  if (ids.traceId || ids.requestId) {
    const quote = document.createElement('p');
    quote.className = 'error-ids';
    quote.textContent = [ids.traceId && `Trace id ${ids.traceId}`, ids.requestId && `request id ${ids.requestId}`].filter(Boolean).join(' · ');
    box.append(quote);
  }
  box.dataset.status = ids.status ? String(ids.status) : 'local';
  box.hidden = false;
  field.setAttribute('aria-invalid', 'true');
}

function clearFieldError() {
  const box = $('file-ids-error');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.status;
  $('file-ids').removeAttribute('aria-invalid');
}

// ---- Jobs ------------------------------------------------------------------------------------

function entryFor(jobId, createdAt) {
  let entry = jobs.get(jobId);
  if (!entry) {
    const model = new JobModel(jobId);
    model.createdAt = createdAt ?? null;
    entry = { model, card: null, connection: null, finalLoaded: false, busy: null };
    entry.card = new JobCard(template, model, {
      onCancel: () => actions.cancel(entry),
      onRetry: () => actions.retry(entry),
      onPurge: () => actions.purge(entry),
      onExpand: () => {
        if (!entry.model.hasFullStatus) {
          loadStatus(entry);
        }
      },
    });
    jobs.set(jobId, entry);
  }
  return entry;
}

function render(entry) {
  entry.card.render({ traceId: traces.get(entry.model.jobId) });
  announcer.progress(entry.model.jobId, `Job ${shortId(entry.model.jobId)}`, entry.model, describeEnd);
}

/**
 * Keeps the cards newest first, as the API lists them: job ids are time-ordered (version 7) GUIDs,
 * so their text order is creation order, whatever this browser's clock says. Only cards out of
 * place are moved (moving a node drops its focus).
 */
function placeCards() {
  const ordered = [...jobs.values()].sort((a, b) => b.model.jobId.localeCompare(a.model.jobId));
  let cursor = jobsList.firstElementChild;
  for (const entry of ordered) {
    const element = entry.card.element;
    if (element === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      jobsList.insertBefore(element, cursor);
    }
  }
}

function addStartedJob(accepted) {
  const entry = entryFor(accepted.jobId, new Date().toISOString());
  entry.model.filesTotal = accepted.totalFileIds ?? 0;
  entry.model.status = accepted.status ?? 'queued';
  render(entry);
  placeCards();
  showJobsCount();
  follow(entry);
}

function showJobsCount(total) {
  const shown = jobs.size;
  const all = Math.max(total ?? 0, shown);
  jobsMessage.textContent = shown === 0 ? 'No jobs yet: start one above.' : all > shown ? `Showing ${shown} of ${all} jobs.` : `${shown} ${shown === 1 ? 'job' : 'jobs'}.`;
}

async function reloadJobs() {
  for (const entry of jobs.values()) {
    entry.connection?.stop();
  }
  jobs.clear();
  jobsList.replaceChildren();
  indicator.clear();
  nextCursor = null;
  await loadJobs();
}

async function loadJobs({ more = false } = {}) {
  const generation = ++listGeneration;
  clearTimeout(listRetryTimer);
  jobsList.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await api.listJobs({ cursor: more ? nextCursor : null, limit: PAGE_SIZE });
  } catch (error) {
    if (generation !== listGeneration) {
      return;
    }
    jobsList.removeAttribute('aria-busy');
    jobsMessage.textContent = describeListError(error);
    if (error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 429))) {
      listAttempt += 1;
      const wait = error instanceof ApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : backoffDelay(listAttempt);
      listRetryTimer = setTimeout(() => loadJobs({ more }), wait);
    }
    return;
  }
  if (generation !== listGeneration) {
    return;
  }
  listAttempt = 0;
  jobsList.removeAttribute('aria-busy');
  const fresh = [];
  for (const item of page.jobs ?? []) {
    const known = jobs.has(item.jobId);
    const entry = entryFor(item.jobId, item.createdAt);
    entry.model.applyListItem(item);
    if (!known) {
      render(entry);
      fresh.push(entry);
    }
  }
  if (!more || page.nextCursor !== undefined) {
    nextCursor = page.nextCursor ?? null;
  }
  moreButton.hidden = !nextCursor;
  placeCards();
  showJobsCount(page.total);
  await forEachLimited(fresh, STATUS_CONCURRENCY, (entry) => hydrate(entry));
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

/** Reads a job's full status, then follows it live when it has not finished. */
async function hydrate(entry) {
  const error = await loadStatus(entry);
  if (jobs.get(entry.model.jobId) !== entry) {
    return;
  }
  if (!entry.model.terminal) {
    follow(entry);
  } else if (error) {
    finishJob(entry);
  } else {
    entry.finalLoaded = true;
  }
}

/** Reads and shows a job's status; returns null when done, else the error (a 404 removes the card). */
async function loadStatus(entry) {
  try {
    const status = await api.status(entry.model.jobId);
    if (entry.model.applyStatus(status)) {
      render(entry);
    }
    return null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      removeJob(entry, 'expired');
    }
    return error;
  }
}

function follow(entry) {
  if (entry.connection || entry.model.terminal) {
    return;
  }
  const { model } = entry;
  entry.connection = new JobConnection({
    job: model,
    api,
    onEvent: (event) => {
      if (model.applyEvent(event)) {
        render(entry);
      }
    },
    onStatus: (status) => {
      if (model.applyStatus(status)) {
        render(entry);
      }
    },
    onStateChange: (info) => {
      if (info.state === 'live') {
        indicator.setReachable(true);
      }
      entry.card.element.dataset.connection = info.state;
      entry.card.element.dataset.transport = info.transport ?? '';
      indicator.update(model.jobId, info);
    },
    onFinished: () => finishJob(entry),
    onGone: () => removeJob(entry, 'expired'),
  });
  entry.connection.start();
}

/**
 * The terminal event carries no result: read the final status once for the links and files,
 * waiting out a 429's Retry-After or an unreachable gateway as long as the page stays open.
 */
async function finishJob(entry, attempt = 0) {
  if (entry.finalLoaded || jobs.get(entry.model.jobId) !== entry) {
    return;
  }
  const error = await loadStatus(entry);
  if (!error) {
    entry.finalLoaded = true;
    return;
  }
  if (jobs.get(entry.model.jobId) !== entry || (error instanceof ApiError && error.status < 500 && error.status !== 429)) {
    return;
  }
  const wait = error instanceof ApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : backoffDelay(attempt + 1);
  setTimeout(() => finishJob(entry, attempt + 1), wait);
}

function removeJob(entry, reason) {
  const { jobId } = entry.model;
  if (jobs.get(jobId) !== entry) {
    return;
  }
  entry.connection?.stop(reason === 'expired' ? 'gone' : 'stopped');
  jobs.delete(jobId);
  indicator.update(jobId, { state: 'gone' });
  announcer.forget(jobId);
  entry.card.element.remove();
  showJobsCount();
}

// ---- Start -----------------------------------------------------------------------------------

setupOwnerForm();
setupStartForm();
$('refresh-jobs').addEventListener('click', () => loadJobs());
moreButton.addEventListener('click', () => loadJobs({ more: true }));
window.addEventListener('online', () => {
  for (const entry of jobs.values()) {
    entry.connection?.retryNow();
  }
  loadJobs();
});
window.addEventListener('pagehide', () => {
  for (const entry of jobs.values()) {
    entry.connection?.stop();
  }
});
window.addEventListener('pageshow', (event) => {
  // Back from the back/forward cache: the connections were closed on the way out.
  if (event.persisted) {
    reloadJobs();
  }
});
loadJobs();
