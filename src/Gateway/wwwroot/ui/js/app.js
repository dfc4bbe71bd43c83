// The progress page: owner settings (owner-form.js), the start form (start-form.js), and the
// caller's jobs with live progress (job-list.js), wired together here.

import { Announcer } from './announcer.js';
import { DownloadApi } from './api.js';
import { ConnectionIndicator } from './connection-indicator.js';
import { JobList } from './job-list.js';
import { OwnerStore } from './owner-store.js';
import { setupOwnerForm } from './owner-form.js';
import { setupStartForm } from './start-form.js';
import { TraceStore } from './trace-store.js';

const $ = (id) => document.getElementById(id);

const owner = new OwnerStore();
const api = new DownloadApi(owner);
const traces = new TraceStore();
const indicator = new ConnectionIndicator($('connection'), $('connection-text'));
const announcer = new Announcer($('announcer'));
const moreButton = $('more-jobs');
const jobs = new JobList({
  api,
  traces,
  indicator,
  announcer,
  template: $('job-template'),
  list: $('jobs'),
  message: $('jobs-message'),
  moreButton,
});

api.addEventListener('reachability', (event) => indicator.setReachable(event.detail.reachable));

setupOwnerForm(owner);
owner.addEventListener('change', () => jobs.reload());
setupStartForm({ api, traces, announcer, onStarted: (accepted) => jobs.addStarted(accepted) });
$('refresh-jobs').addEventListener('click', () => jobs.load());
moreButton.addEventListener('click', () => jobs.load({ more: true }));
window.addEventListener('online', () => {
  jobs.retryNow();
  jobs.load();
});
window.addEventListener('pagehide', () => jobs.stopAll());
window.addEventListener('pageshow', (event) => {
  // Back from the back/forward cache: the connections were closed on the way out.
  if (event.persisted) {
    jobs.reload();
  }
});
jobs.load();
