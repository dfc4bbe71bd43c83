// Polite screen-reader announcements for milestones (a job started, each quarter of progress,
// a phase change, the end), not for every event.

export class Announcer {
  #region;
  #milestones = new Map();

  constructor(region) {
    this.#region = region;
  }

  say(text) {
    // Clearing first makes a repeated message be read again.
    this.#region.textContent = '';
    window.setTimeout(() => {
      this.#region.textContent = text;
    }, 50);
  }

  /** Announces a job's progress when it crosses a quarter, changes phase, or finishes. */
  progress(jobId, label, model, describeEnd) {
    const quarter = Math.floor(model.progress / 25);
    const key = `${model.status}|${model.phase}|${quarter}`;
    const previous = this.#milestones.get(jobId);
    this.#milestones.set(jobId, key);
    if (previous === undefined || previous === key) {
      return;
    }
    if (model.terminal) {
      this.say(`${label}: ${describeEnd(model)}`);
    } else {
      this.say(`${label}: ${model.progress}%, ${model.phase}, ${model.filesDone} of ${model.filesTotal} files`);
    }
  }

  forget(jobId) {
    this.#milestones.delete(jobId);
  }
}
