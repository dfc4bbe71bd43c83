// Text for numbers, sizes, durations and times, in the page's language.

const numberFormat = new Intl.NumberFormat(undefined);

export function formatNumber(value) {
  return numberFormat.format(value ?? 0);
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) {
    return '—';
  }
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) {
    return `${total} s`;
  }
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  if (minutes < 60) {
    return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
  }
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

export function formatTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function formatClock(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString();
}

/** The last 8 hex digits: job ids are time-ordered, so their first digits are shared by jobs started together. */
export function shortId(jobId) {
  return String(jobId).slice(-8);
}

const phaseLabels = {
  queued: 'Waiting to start',
  fetching: 'Fetching files',
  bundling: 'Building the archive',
  finished: 'Finished',
};

export function phaseLabel(phase) {
  return phaseLabels[phase] ?? phase ?? '';
}

const statusLabels = {
  queued: 'Queued',
  processing: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function statusLabel(status) {
  return statusLabels[status] ?? status ?? '';
}

const fileStatusLabels = {
  pending: 'Pending',
  processing: 'Fetching',
  ready: 'Ready',
  missing: 'Missing',
  failed: 'Failed',
};

export function fileStatusLabel(status) {
  return fileStatusLabels[status] ?? status ?? '';
}
