using System.IO.Compression;

namespace Delineate.Testing;

/// <summary>Reads a zip archive fully into memory, rejecting anything that is not a well-formed archive.</summary>
public static class ZipContents
{
    /// <summary>Entry name → bytes. Throws when the bytes are not a valid zip or an entry name repeats.</summary>
    public static IReadOnlyDictionary<string, byte[]> Read(byte[] archive)
    {
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var content = entry.Open();
            using var buffer = new MemoryStream();
            content.CopyTo(buffer); // Also checks the entry's CRC.
            if (!entries.TryAdd(entry.FullName, buffer.ToArray()))
            {
                throw new InvalidDataException($"The archive holds the entry {entry.FullName} twice.");
            }
        }

        return entries;
    }
}
