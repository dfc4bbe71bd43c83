using System.Buffers.Binary;

namespace Delineate.Grains.Storage.Synthetic;

/// <summary>Read-only, forward-only stream of xorshift64* bytes; holds no buffer of its own.</summary>
internal sealed class SyntheticFileStream(ulong seed, long length) : Stream
{
    private ulong _state = seed == 0 ? 1 : seed;
    private long _position;
    private ulong _pending;
    private int _pendingBytes;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        var written = 0;
        while (written < count && _pendingBytes > 0)
        {
            buffer[written++] = (byte)_pending;
            _pending >>= 8;
            _pendingBytes--;
        }
        while (count - written >= 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer[written..], Next());
            written += 8;
        }
        if (written < count)
        {
            _pending = Next();
            _pendingBytes = 8;
            while (written < count)
            {
                buffer[written++] = (byte)_pending;
                _pending >>= 8;
                _pendingBytes--;
            }
        }
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    private ulong Next()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return _state * 0x2545F4914F6CDD1DUL;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
