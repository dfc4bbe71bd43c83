// Starting a job: the file ids field, its live count, and the problems an initiate can answer with.

import { ApiError, NetworkError, newTraceParent } from './api.js';
import { initiateBody, parseFileIds } from './file-ids.js';
import { formatClock, formatNumber, shortId } from './format.js';

const $ = (id) => document.getElementById(id);

/**
 * Validates the file ids as they are typed and starts a job with them.
 * @param {{ api: import('./api.js').DownloadApi, traces: import('./trace-store.js').TraceStore,
 *   announcer: import('./announcer.js').Announcer, onStarted: (accepted: object) => void }} deps
 */
export function setupStartForm({ api, traces, announcer, onStarted }) {
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
      onStarted(accepted);
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
