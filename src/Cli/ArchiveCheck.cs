using System.IO.Compression;

namespace Delineate.Cli;

/// <summary>Checks that a downloaded archive is a whole, valid zip holding as many files as the job says are ready.</summary>
public static class ArchiveCheck
{
    /// <summary>The entry names; throws <see cref="JobFailedException"/> when the file is not what it should be.</summary>
    public static IReadOnlyList<string> Verify(string path, int? expectedEntries)
    {
        var names = new List<string>();
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                // Reading each entry to its end checks its CRC.
                using var content = entry.Open();
                content.CopyTo(Stream.Null);
                names.Add(entry.FullName);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new JobFailedException($"{path} is not a valid zip archive: {ex.Message}");
        }
        if (expectedEntries is { } expected && names.Count != expected)
        {
            throw new JobFailedException($"{path} holds {names.Count} files, but the job says {expected} are ready.");
        }
        return names;
    }
}
