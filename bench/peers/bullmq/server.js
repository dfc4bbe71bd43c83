// The benchmark peer (bench/run.sh, docs/benchmarks.md): the same download-job contract as Delineate,
// built the usual Node way: a Hono API that puts jobs on a BullMQ queue in Redis, and a BullMQ worker
// that does the same S3 work per job (HEAD each source, stream the available ones into a stored zip
// through a multipart upload, presign the links). Written for the benchmark, not for production.
//
//   node server.js api       # HTTP API on PORT (POST /v1/download/initiate, GET /v1/download/status/:id, ...)
//   node server.js worker    # the queue's worker
//   node server.js both      # both in one process
//
// Settings are Delineate's variable names: PORT, REDIS_HOST, REDIS_PORT, S3_ENDPOINT, S3_REGION,
// S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET_NAME, S3_FORCE_PATH_STYLE, S3_UPLOAD_PART_SIZE_MB,
// JOB_CONCURRENCY (files in flight per job), SILO_CONCURRENCY (files in flight per worker process,
// also the worker's job concurrency), JOB_MAX_ATTEMPTS, JOB_RETRY_BASE_DELAY_MS, DOWNLOAD_DELAY_ENABLED,
// DOWNLOAD_DELAY_MIN_MS, DOWNLOAD_DELAY_MAX_MS, PRESIGNED_URL_EXPIRY_SECONDS; PEER_QUEUE names the queue.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { Queue, Worker, Job, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import {
  S3Client,
  HeadObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

const env = process.env;
const int = (name, fallback) => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number.parseInt(value, 10);
  if (!Number.isFinite(parsed)) throw new Error(`${name} must be an integer (was '${value}')`);
  return parsed;
};
const settings = {
  port: int('PORT', 3100),
  redis: { host: env.REDIS_HOST || '127.0.0.1', port: int('REDIS_PORT', 6379), password: env.REDIS_PASSWORD || undefined },
  queue: env.PEER_QUEUE || 'downloads',
  bucket: env.S3_BUCKET_NAME || 'downloads',
  partSize: int('S3_UPLOAD_PART_SIZE_MB', 8) * 1024 * 1024,
  jobConcurrency: int('JOB_CONCURRENCY', 4),
  siloConcurrency: int('SILO_CONCURRENCY', 512),
  maxAttempts: int('JOB_MAX_ATTEMPTS', 3),
  retryBaseDelayMs: int('JOB_RETRY_BASE_DELAY_MS', 200),
  delayEnabled: (env.DOWNLOAD_DELAY_ENABLED || 'true').toLowerCase() === 'true',
  delayMinMs: int('DOWNLOAD_DELAY_MIN_MS', 1000),
  delayMaxMs: int('DOWNLOAD_DELAY_MAX_MS', 5000),
  urlExpirySeconds: int('PRESIGNED_URL_EXPIRY_SECONDS', 3600),
};

const ownerDoneKey = (owner) => `peer:owner-done:${owner}`;
const ownerJobsKey = (owner) => `peer:owner-jobs:${owner}`;

// ---------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------
function problem(c, status, title, detail, errors) {
  return c.body(JSON.stringify({ type: 'about:blank', title, status, detail, errors }), status, {
    'content-type': 'application/problem+json',
  });
}

/** The same rules as Delineate's InitiateRequestParser: 1..1000 integers in [10000, 100000000], duplicates dropped. */
function parseFileIds(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'The body must be a JSON object.' };
  const ids = body.file_ids;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000) return { error: 'file_ids must be an array of 1 to 1000 integers.' };
  const seen = new Set();
  const out = [];
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 10000 || id > 100000000) return { error: 'Each file id must be an integer from 10000 to 100000000.' };
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return { fileIds: out };
}

function statusOf(state) {
  switch (state) {
    case 'active': return 'processing';
    case 'completed': return 'completed';
    case 'failed': return 'failed';
    default: return 'queued';
  }
}

async function runApi() {
  const queue = new Queue(settings.queue, { connection: settings.redis });
  await queue.waitUntilReady();
  const redis = new Redis(settings.redis);
  const app = new Hono();

  app.post('/v1/download/initiate', async (c) => {
    if (!(c.req.header('content-type') || '').toLowerCase().startsWith('application/json')) {
      return problem(c, 415, 'Unsupported media type', 'Send application/json.');
    }
    let body;
    try {
      body = await c.req.json();
    } catch {
      return problem(c, 400, 'Invalid request', 'The body is not JSON.');
    }
    const { fileIds, error } = parseFileIds(body);
    if (!fileIds) return problem(c, 400, 'Invalid request', error, { file_ids: [error] });
    const owner = c.req.header('x-user-id') || 'anonymous';
    const jobId = randomUUID();
    const createdAt = Date.now();
    // The job and its owner's index, as Delineate keeps both.
    await Promise.all([
      queue.add('download', { fileIds, owner, createdAt }, { jobId, removeOnComplete: false, removeOnFail: false }),
      redis.zadd(ownerJobsKey(owner), createdAt, jobId),
    ]);
    const statusUrl = `/v1/download/status/${jobId}`;
    c.header('Location', statusUrl);
    return c.json({
      jobId,
      status: 'queued',
      totalFileIds: fileIds.length,
      statusUrl,
      subscribeUrl: `/v1/download/subscribe/${jobId}`,
      eventsUrl: `/v1/download/events/${jobId}`,
    }, 202);
  });

  app.get('/v1/download/status/:id', async (c) => {
    const job = await Job.fromId(queue, c.req.param('id'));
    const owner = c.req.header('x-user-id') || 'anonymous';
    if (!job || job.data.owner !== owner) return problem(c, 404, 'Not found', 'No such job.');
    const state = await job.getState();
    const progress = typeof job.progress === 'object' && job.progress ? job.progress : {};
    const result = job.returnvalue && typeof job.returnvalue === 'object' ? job.returnvalue : null;
    return c.json({
      jobId: job.id,
      status: statusOf(state),
      progress: result ? 100 : progress.progress ?? 0,
      filesDone: progress.filesDone ?? 0,
      filesTotal: job.data.fileIds.length,
      createdAt: new Date(job.timestamp).toISOString(),
      updatedAt: new Date(job.finishedOn ?? job.processedOn ?? job.timestamp).toISOString(),
      result: result ? result.result : null,
      files: result ? result.files : [],
      error: state === 'failed' ? job.failedReason : null,
    });
  });

  // Only what the benchmark's client reads: how many of the owner's jobs finished.
  app.get('/v1/download/jobs', async (c) => {
    const owner = c.req.header('x-user-id') || 'anonymous';
    const status = c.req.query('status');
    if (status === 'completed' || status === 'failed') {
      const total = Number(await redis.hget(ownerDoneKey(owner), status)) || 0;
      return c.json({ jobs: [], nextCursor: null, total });
    }
    const total = await redis.zcard(ownerJobsKey(owner));
    return c.json({ jobs: [], nextCursor: null, total });
  });

  app.get('/health', (c) => c.json({ status: 'healthy' }));

  serve({ fetch: app.fetch, port: settings.port, hostname: '127.0.0.1' }, (info) => {
    console.log(`peer api listening on 127.0.0.1:${info.port} (queue ${settings.queue})`);
  });
}

// ---------------------------------------------------------------------------------------------
// Worker
// ---------------------------------------------------------------------------------------------
const s3 = new S3Client({
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION || 'us-east-1',
  forcePathStyle: (env.S3_FORCE_PATH_STYLE || 'true').toLowerCase() === 'true',
  credentials: { accessKeyId: env.S3_ACCESS_KEY_ID || 'S3RVER', secretAccessKey: env.S3_SECRET_ACCESS_KEY || 'S3RVER' },
  // As Delineate's S3ClientFactory: checksums only when required (s3rver keeps none, and streamed bodies
  // would otherwise be sent aws-chunked, which s3rver stores as object bytes).
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 1024 }) },
});

/** A counting semaphore. */
class Gate {
  constructor(slots) { this.slots = slots; this.waiters = []; }
  async acquire() {
    if (this.slots > 0) { this.slots--; return; }
    await new Promise((resolve) => this.waiters.push(resolve));
  }
  release() {
    const next = this.waiters.shift();
    if (next) next(); else this.slots++;
  }
}

const processGate = new Gate(settings.siloConcurrency);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sourceKey = (id) => `downloads/${id}.zip`;

function isTransient(error) {
  const status = error?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'TimeoutError'].includes(error?.code ?? error?.name);
}

/** HEAD one source: its size, or null when missing; transient failures retried with backoff and jitter. */
async function lookup(fileId) {
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: settings.bucket, Key: sourceKey(fileId) }));
      return { status: 'ready', size: Number(head.ContentLength), attempts };
    } catch (error) {
      if (error?.$metadata?.httpStatusCode === 404 || error?.name === 'NotFound' || error?.name === 'NoSuchKey') {
        return { status: 'missing', size: null, attempts };
      }
      if (!isTransient(error) || attempts >= settings.maxAttempts) {
        return { status: 'failed', size: null, attempts, error: `source error (${error?.name ?? 'Error'})` };
      }
      const backoff = settings.retryBaseDelayMs * 2 ** (attempts - 1);
      await sleep(backoff / 2 + Math.random() * backoff);
    }
  }
}

async function fetchFile(fileId) {
  await processGate.acquire();
  try {
    if (settings.delayEnabled && settings.delayMaxMs > 0) {
      await sleep(settings.delayMinMs + Math.random() * (settings.delayMaxMs - settings.delayMinMs));
    }
    return await lookup(fileId);
  } finally {
    processGate.release();
  }
}

/**
 * A write side onto one S3 object, the same requests as Delineate's S3MultipartUploadStream:
 * part-sized buffers, one part uploading while the next fills, the multipart upload started when
 * the first part fills; an object smaller than one part is sent as a single PutObject on completion.
 */
class MultipartWriter {
  constructor(key) {
    this.key = key;
    this.uploadId = null;
    this.chunks = [];
    this.buffered = 0;
    this.parts = [];
    this.inFlight = null;
    this.written = 0;
  }

  async write(chunk) {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.written += chunk.length;
    while (this.buffered >= settings.partSize) {
      const all = Buffer.concat(this.chunks, this.buffered);
      const part = all.subarray(0, settings.partSize);
      const rest = all.subarray(settings.partSize);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      await this.inFlight;
      this.inFlight = this.uploadPart(part);
    }
  }

  async uploadPart(body) {
    const partNumber = this.parts.length + 1;
    this.parts.push(null);
    if (this.uploadId === null) {
      // Parts go one at a time, so the first one alone starts the upload.
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: settings.bucket, Key: this.key, ContentType: 'application/zip' }));
      this.uploadId = created.UploadId;
    }
    const out = await s3.send(new UploadPartCommand({
      Bucket: settings.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length,
    }));
    this.parts[partNumber - 1] = { ETag: out.ETag, PartNumber: partNumber };
  }

  async complete() {
    await this.inFlight;
    const rest = Buffer.concat(this.chunks, this.buffered);
    if (this.parts.length === 0) {
      await s3.send(new PutObjectCommand({ Bucket: settings.bucket, Key: this.key, Body: rest, ContentLength: rest.length, ContentType: 'application/zip' }));
    } else {
      if (rest.length > 0) await this.uploadPart(rest);
      await s3.send(new CompleteMultipartUploadCommand({
        Bucket: settings.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts },
      }));
    }
    return this.written;
  }

  async abort() {
    await this.inFlight?.catch(() => {});
    if (this.uploadId === null) return;
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: settings.bucket, Key: this.key, UploadId: this.uploadId }));
    } catch {
      // Best effort, as Delineate's.
    }
  }
}

/** A stored (not deflated) zip written as a stream: local headers with data descriptors, then the central directory. */
class ZipStreamWriter {
  constructor(out) { this.out = out; this.offset = 0; this.entries = []; }

  async emit(buffer) { this.offset += buffer.length; await this.out.write(buffer); }

  async add(name, body) {
    const nameBytes = Buffer.from(name, 'utf8');
    const headerOffset = this.offset;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);           // version needed
    header.writeUInt16LE(0x0808, 6);       // data descriptor follows; UTF-8 names
    header.writeUInt16LE(0, 8);            // stored
    header.writeUInt32LE(0x00210000, 10);  // 1980-01-01 00:00
    header.writeUInt16LE(nameBytes.length, 26);
    await this.emit(Buffer.concat([header, nameBytes]));
    let crc = 0;
    let size = 0;
    for await (const chunk of body) {
      crc = zlib.crc32(chunk, crc);
      size += chunk.length;
      await this.emit(chunk);
    }
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(size, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.emit(descriptor);
    this.entries.push({ nameBytes, crc: crc >>> 0, size, headerOffset });
  }

  async finish() {
    const start = this.offset;
    const records = [];
    for (const e of this.entries) {
      const r = Buffer.alloc(46);
      r.writeUInt32LE(0x02014b50, 0);
      r.writeUInt16LE(20, 4);
      r.writeUInt16LE(20, 6);
      r.writeUInt16LE(0x0808, 8);
      r.writeUInt16LE(0, 10);
      r.writeUInt32LE(0x00210000, 12);
      r.writeUInt32LE(e.crc, 16);
      r.writeUInt32LE(e.size, 20);
      r.writeUInt32LE(e.size, 24);
      r.writeUInt16LE(e.nameBytes.length, 28);
      r.writeUInt32LE(e.headerOffset, 42);
      records.push(r, e.nameBytes);
    }
    const directory = Buffer.concat(records);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(start, 16);
    await this.emit(Buffer.concat([directory, end]));
  }
}

async function presign(key, fileName) {
  return getSignedUrl(s3, new GetObjectCommand({
    Bucket: settings.bucket, Key: key, ResponseContentDisposition: `attachment; filename="${fileName}"`,
  }), { expiresIn: settings.urlExpirySeconds });
}

async function bundle(jobId, ready) {
  const key = `exports/${jobId}.zip`;
  const upload = new MultipartWriter(key);
  try {
    const zip = new ZipStreamWriter(upload);
    for (const file of ready) {
      const object = await s3.send(new GetObjectCommand({ Bucket: settings.bucket, Key: sourceKey(file.file_id) }));
      await zip.add(`${file.file_id}.zip`, object.Body);
    }
    await zip.finish();
    return { key, size: await upload.complete() };
  } catch (error) {
    await upload.abort();
    throw error;
  }
}

async function processJob(job) {
  const { fileIds } = job.data;
  const files = fileIds.map((id) => ({ file_id: id, status: 'pending', size: null, attempts: 0, url: null, error: null }));
  let done = 0;
  await job.updateProgress({ phase: 'fetching', progress: 0, filesDone: 0 });
  // Files in flight per job (JOB_CONCURRENCY); the process-wide gate bounds them per worker.
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const file = files[next++];
      const outcome = await fetchFile(file.file_id);
      Object.assign(file, { status: outcome.status, size: outcome.size, attempts: outcome.attempts, error: outcome.error ?? null });
      done++;
      await job.updateProgress({ phase: 'fetching', progress: Math.floor((90 * done) / files.length), filesDone: done, file });
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.jobConcurrency, files.length) }, lane));
  const ready = files.filter((f) => f.status === 'ready');
  if (ready.length === 0) throw new UnrecoverableError('None of the requested files is available.');
  await job.updateProgress({ phase: 'bundling', progress: 90, filesDone: done });
  const archive = await bundle(job.id, ready);
  const expiresAt = new Date(Date.now() + settings.urlExpirySeconds * 1000).toISOString();
  for (const file of ready) file.url = await presign(sourceKey(file.file_id), `${file.file_id}.zip`);
  const archiveUrl = await presign(archive.key, `${job.id}.zip`);
  const missing = files.filter((f) => f.status === 'missing').length;
  const failed = files.filter((f) => f.status === 'failed').length;
  return {
    result: {
      successCount: ready.length,
      missingCount: missing,
      failedCount: failed,
      archiveUrl,
      downloadUrls: ready.map((f) => f.url),
      expiresAt,
      message: `${ready.length} of ${files.length} files ready; ${missing} missing, ${failed} failed.`,
    },
    files,
    archiveSize: archive.size,
  };
}

async function runWorker() {
  const redis = new Redis(settings.redis);
  const worker = new Worker(settings.queue, async (job) => {
    try {
      const value = await processJob(job);
      await redis.hincrby(ownerDoneKey(job.data.owner), 'completed', 1);
      return value;
    } catch (error) {
      await redis.hincrby(ownerDoneKey(job.data.owner), 'failed', 1);
      // Failed is final, as in Delineate (its retries are per file and per bundle, inside the job).
      throw error instanceof UnrecoverableError ? error : new UnrecoverableError(String(error?.message ?? error));
    }
  }, { connection: settings.redis, concurrency: settings.siloConcurrency, autorun: true });
  worker.on('error', (error) => console.error('worker error', error));
  console.log(`peer worker on queue ${settings.queue}: ${settings.siloConcurrency} jobs at once, ${settings.jobConcurrency} files per job`);
}

const mode = process.argv[2] || 'both';
if (mode === 'api' || mode === 'both') await runApi();
if (mode === 'worker' || mode === 'both') await runWorker();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
