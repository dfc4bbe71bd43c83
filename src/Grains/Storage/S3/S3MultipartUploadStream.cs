using System.Buffers;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delineate.Grains.Storage.S3;

/// <summary>
/// A write-only, non-seekable stream onto one S3 multipart upload. Bytes fill a part-sized buffer;
/// a full buffer is uploaded while the next one fills, so at most two part buffers (pooled) exist
/// whatever the object's size, and writing overlaps the network. An object smaller than one part
/// is sent as a single PutObject on completion instead. A stream opened without an upload id (the
/// object was expected to fit in one part) starts its multipart upload only when a first part fills.
/// </summary>
/// <remarks>
/// Every body is sent with <c>UseChunkEncoding = false</c>: S3-compatible servers such as s3rver store
/// the aws-chunked framing as object bytes otherwise. Part uploads run on the thread pool and never
/// capture the caller's scheduler, so a synchronous <see cref="Write(ReadOnlySpan{byte})"/> (ZipArchive
/// may write synchronously) can block on one without deadlocking an Orleans grain.
/// </remarks>
internal sealed class S3MultipartUploadStream : Stream
{
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _key;
    private readonly int _partSize;
    private readonly string _contentType;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly List<PartETag> _parts = [];

    private byte[]? _buffer;
    private int _filled;
    private byte[]? _spare;
    private byte[]? _inFlightBuffer;
    private Task<PartETag>? _inFlight;
    private int _nextPartNumber = 1;
    private long _written;
    private UploadState _state = UploadState.Open;
    private Exception? _failure;

    public S3MultipartUploadStream(IAmazonS3 s3, string bucket, string key, string? uploadId, int partSize, string contentType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, 1);
        _s3 = s3;
        _bucket = bucket;
        _key = key;
        _uploadId = uploadId;
        _partSize = partSize;
        _contentType = contentType;
    }

    private volatile string? _uploadId;

    /// <summary>The multipart upload's id; null until one is started (never, for an object sent whole).</summary>
    public string? UploadId => _uploadId;

    /// <summary>Parts sent so far (the part in flight included once it has finished).</summary>
    public int PartsUploaded => _parts.Count;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => _state == UploadState.Open;
    public override long Length => throw new NotSupportedException();

    /// <summary>The number of bytes written so far; cannot be set.</summary>
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> source)
    {
        EnsureOpen();
        while (!source.IsEmpty)
        {
            if (_filled == _partSize)
            {
                WaitForInFlightAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                StartPartUpload();
            }
            source = source[Append(source)..];
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        while (!source.IsEmpty)
        {
            if (_filled == _partSize)
            {
                await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);
                StartPartUpload();
            }
            source = source[Append(source.Span)..];
        }
    }

    /// <summary>Nothing to do: a part smaller than S3's minimum may only be the last one.</summary>
    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends what is buffered and completes the upload; returns the object's size.</summary>
    public async Task<long> CompleteAsync(CancellationToken cancellationToken)
    {
        EnsureOpen();
        try
        {
            await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);
            if (_parts.Count == 0)
            {
                await PutWholeObjectAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (_filled > 0)
                {
                    StartPartUpload();
                    await WaitForInFlightAsync(cancellationToken).ConfigureAwait(false);
                }
                await S3Uploads.CompleteAsync(_s3, _bucket, _key, _uploadId!, _parts, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_state == UploadState.Open)
        {
            _failure ??= ex;
            _state = UploadState.Faulted;
            throw;
        }
        _state = UploadState.Completed;
        ReturnBuffers();
        return _written;
    }

    /// <summary>Stops sending and aborts the multipart upload; parts already stored are discarded.</summary>
    public async Task AbortAsync(CancellationToken cancellationToken)
    {
        if (_state is UploadState.Completed or UploadState.Aborted)
        {
            return;
        }
        _state = UploadState.Aborted;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await DrainInFlightAsync().ConfigureAwait(false);
        ReturnBuffers();
        if (_uploadId is { } uploadId)
        {
            await S3Uploads.AbortAsync(_s3, _bucket, _key, uploadId, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await AbortIfUnfinishedAsync().ConfigureAwait(false);
        Dispose();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_state is UploadState.Open or UploadState.Faulted)
            {
                AbortIfUnfinishedAsync().GetAwaiter().GetResult();
            }
            ReturnBuffers();
            _lifetime.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Neither completed nor aborted: do not leave parts behind. Best effort; a job that restarts
    /// aborts its old upload by id as well.
    /// </summary>
    private async Task AbortIfUnfinishedAsync()
    {
        if (_state is not (UploadState.Open or UploadState.Faulted))
        {
            return;
        }
        try
        {
            await AbortAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private int Append(ReadOnlySpan<byte> source)
    {
        if (_buffer is null || (_filled == _buffer.Length && _buffer.Length < _partSize))
        {
            Grow(source.Length);
        }
        var count = Math.Min(source.Length, Math.Min(_partSize, _buffer!.Length) - _filled);
        source[..count].CopyTo(_buffer.AsSpan(_filled));
        _filled += count;
        _written += count;
        return count;
    }

    /// <summary>
    /// Most archives are far smaller than a part: the first buffer starts small and doubles up to the part
    /// size, so a job of a few small files does not take (and, past what the shared pool keeps, allocate
    /// on the large-object heap) a whole part buffer. Once a part has gone, the object is large: full buffers.
    /// </summary>
    private void Grow(int needed)
    {
        var size = _nextPartNumber > 1 ? _partSize : Math.Max(InitialBufferSize, (_buffer?.Length ?? 0) * 2);
        while (size < _filled + needed && size < _partSize)
        {
            size *= 2;
        }
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(size, _partSize));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _filled).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = bigger;
    }

    private const int InitialBufferSize = 64 * 1024;

    /// <summary>Hands the full buffer to a part upload and continues in the spare one (or a new one).</summary>
    private void StartPartUpload()
    {
        var buffer = _buffer!;
        var length = _filled;
        var partNumber = _nextPartNumber++;
        var token = _lifetime.Token;
        _inFlightBuffer = buffer;
        // Task.Run: the upload must not need the caller's scheduler (see remarks).
        _inFlight = Task.Run(() => UploadPartAsync(buffer, length, partNumber, token), CancellationToken.None);
        _buffer = _spare;
        _spare = null;
        _filled = 0;
    }

    private async Task<PartETag> UploadPartAsync(byte[] buffer, int length, int partNumber, CancellationToken cancellationToken)
    {
        // Parts go one at a time, so the first one alone may start the upload.
        _uploadId ??= await S3Uploads.InitiateAsync(_s3, _bucket, _key, _contentType, cancellationToken).ConfigureAwait(false);
        return await S3Uploads.UploadPartAsync(_s3, _bucket, _key, _uploadId, partNumber, buffer, length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the part in flight; its buffer becomes the spare. A failed part faults the stream.</summary>
    private async ValueTask WaitForInFlightAsync(CancellationToken cancellationToken)
    {
        if (_inFlight is null)
        {
            return;
        }
        PartETag part;
        try
        {
            part = await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (_inFlight.IsCompleted)
        {
            _failure = ex;
            _state = UploadState.Faulted;
            ReleaseInFlight();
            throw;
        }
        _parts.Add(part);
        ReleaseInFlight();
    }

    private async Task DrainInFlightAsync()
    {
        if (_inFlight is null)
        {
            return;
        }
        try
        {
            await _inFlight.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Aborting: the part's outcome no longer matters.
        }
        ReleaseInFlight();
    }

    private void ReleaseInFlight()
    {
        _spare = _inFlightBuffer;
        _inFlightBuffer = null;
        _inFlight = null;
    }

    private async Task PutWholeObjectAsync(CancellationToken cancellationToken)
    {
        await S3Uploads.PutAsync(_s3, _bucket, _key, _contentType, _buffer, _filled, cancellationToken).ConfigureAwait(false);
        if (_uploadId is not { } uploadId)
        {
            return;
        }
        // The object is stored; the empty multipart upload only needs cleaning up.
        try
        {
            await S3Uploads.AbortAsync(_s3, _bucket, _key, uploadId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or HttpRequestException or IOException)
        {
        }
    }

    /// <summary>Returns the pooled buffers, but never one a part upload may still be reading.</summary>
    private void ReturnBuffers()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
        if (_spare is not null)
        {
            ArrayPool<byte>.Shared.Return(_spare);
            _spare = null;
        }
        _filled = 0;
    }

    private void EnsureOpen()
    {
        switch (_state)
        {
            case UploadState.Open:
                return;
            case UploadState.Faulted:
                throw new IOException("The upload failed earlier; abort it and start again.", _failure);
            default:
                throw new ObjectDisposedException(nameof(S3MultipartUploadStream), $"The upload is {_state.ToString().ToLowerInvariant()}.");
        }
    }

    private enum UploadState
    {
        Open,
        Faulted,
        Completed,
        Aborted,
    }
}
