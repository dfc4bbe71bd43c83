using System.Buffers;
using System.IO.Compression;

namespace Delineate.Grains.Jobs;

/// <summary>
/// Streams entries into a zip on a write-only stream. Entries are stored, not deflated: the sources
/// are zip files already, so compressing again costs CPU and saves nothing.
/// </summary>
public sealed class ArchiveWriter : IAsyncDisposable
{
    private const int CopyBufferSize = 256 * 1024;
    private readonly ZipArchive _zip;

    private ArchiveWriter(ZipArchive zip) => _zip = zip;

    public long BytesAdded { get; private set; }

    public static async Task<ArchiveWriter> CreateAsync(Stream output, CancellationToken cancellationToken) =>
        new(await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken));

    /// <summary>Copies <paramref name="content"/> into a new entry; returns the bytes copied.</summary>
    public async Task<long> AddAsync(string entryName, Stream content, CancellationToken cancellationToken)
    {
        var entry = _zip.CreateEntry(entryName, CompressionLevel.NoCompression);
        long copied = 0;
        await using (var target = await entry.OpenAsync(cancellationToken))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    copied += read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        BytesAdded += copied;
        return copied;
    }

    /// <summary>Writes the central directory.</summary>
    public ValueTask DisposeAsync() => _zip.DisposeAsync();
}
