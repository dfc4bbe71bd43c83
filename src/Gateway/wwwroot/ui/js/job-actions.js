// What a job's card asks of the service besides following it: cancel a job that runs, retry a
// failed one for its failed files (it runs again and is followed live), purge a finished one
// (its state and archive are deleted at once). One action at a time per job.

import { ApiError } from './api.js';
import { shortId } from './format.js';

export class JobActions {
  #api;
  #announcer;
  #page;

  /**
   * @param {{ api: import('./api.js').DownloadApi, announcer: import('./announcer.js').Announcer,
   *   page: { render: Function, loadStatus: Function, removeJob: Function, follow: Function } }} deps
   */
  constructor({ api, announcer, page }) {
    this.#api = api;
    this.#announcer = announcer;
    this.#page = page;
  }

  cancel(entry) {
    if (entry.model.terminal) {
      return Promise.resolve();
    }
    return this.#run(entry, 'cancel', 'cancelled', async () => {
      const status = await this.#api.cancel(entry.model.jobId);
      entry.model.applyStatus(status);
      entry.finalLoaded = true;
      this.#page.render(entry);
      entry.connection?.stop('done');
    });
  }

  retry(entry) {
    if (!entry.model.terminal) {
      return Promise.resolve();
    }
    return this.#run(entry, 'retry', 'retried', async () => {
      const status = await this.#api.retry(entry.model.jobId);
      // It runs again: the card follows it anew, its events going on from the seq it had.
      entry.connection?.stop('done');
      entry.connection = null;
      entry.finalLoaded = false;
      entry.model.restart();
      entry.model.applyStatus(status);
      this.#page.render(entry);
      this.#page.follow(entry);
      this.#announcer.say(`Job ${shortId(entry.model.jobId)} is running again for its failed files.`);
    });
  }

  purge(entry) {
    if (!entry.model.terminal) {
      return Promise.resolve();
    }
    return this.#run(entry, 'purge', 'purged', async () => {
      await this.#api.purge(entry.model.jobId);
      this.#page.removeJob(entry, 'purged');
      this.#announcer.say(`Job ${shortId(entry.model.jobId)} and its archive were deleted.`);
    });
  }

  async #run(entry, action, done, work) {
    if (entry.busy) {
      return;
    }
    entry.busy = action;
    entry.card.setBusy(action);
    try {
      await work();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#page.removeJob(entry, 'gone');
      } else if (error instanceof ApiError && error.status === 409) {
        await this.#page.loadStatus(entry);
        this.#announcer.say(`Job ${shortId(entry.model.jobId)} was not ${done}: ${error.message}`);
      } else {
        this.#announcer.say(`Job ${shortId(entry.model.jobId)} could not be ${done}: ${error.message}`);
      }
    } finally {
      entry.busy = null;
      entry.card.setBusy(null);
    }
  }
}
