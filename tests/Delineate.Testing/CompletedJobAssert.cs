using Xunit.Sdk;

namespace Delineate.Testing;

/// <summary>Checks a finished job's status against the synthetic catalogue and its archive byte for byte.</summary>
public static class CompletedJobAssert
{
    /// <summary>
    /// Asserts that <paramref name="status"/> is <c>completed</c>; that every requested file is
    /// <c>ready</c> (with a size and URL) or <c>missing</c> as the catalogue says; that the result's
    /// counts agree; and that <c>result.archiveUrl</c> is a valid zip holding exactly
    /// <c>{id}.zip</c> for each available file, each entry equal to <paramref name="expectedBytes"/>
    /// and as long as the status' <c>size</c>.
    /// </summary>
    /// <param name="expectedBytes">The source of truth for a file's bytes, given the file id and its status entry.</param>
    public static async Task CompletedWithArchiveAsync(
        DownloadApiClient api,
        JsonElement status,
        IReadOnlyList<int> fileIds,
        Func<int, JsonElement, Task<byte[]>> expectedBytes)
    {
        var context = $"status: {status.GetRawText()}";
        var jobId = status.String("jobId");
        Assert.True(status.String("status") == JobStatuses.Completed, $"job {jobId} is not completed; {context}");

        var files = status.Array("files").ToDictionary(f => (int)f.Long("file_id"));
        var requested = fileIds.Distinct().ToList();
        Assert.True(
            files.Keys.Order().SequenceEqual(requested.Order()),
            $"files[] ids [{string.Join(',', files.Keys.Order())}] differ from the requested [{string.Join(',', requested.Order())}]; {context}");

        var available = requested.Where(id => SyntheticCatalogue.Exists(id)).ToList();
        foreach (var id in requested)
        {
            var expected = SyntheticCatalogue.Exists(id) ? "ready" : "missing";
            var actual = files[id].String("status");
            Assert.True(actual == expected, $"file {id} of job {jobId} is {actual}, expected {expected}; {context}");
        }

        var result = status.Field("result");
        Assert.True(result.Long("successCount") == available.Count, $"result.successCount should be {available.Count}; {context}");
        Assert.True(result.Long("missingCount") == requested.Count - available.Count, $"result.missingCount should be {requested.Count - available.Count}; {context}");
        Assert.True(result.Long("failedCount") == 0, $"result.failedCount should be 0; {context}");

        var archive = await api.DownloadAsync(result.String("archiveUrl"));
        IReadOnlyDictionary<string, byte[]> entries;
        try
        {
            entries = ZipContents.Read(archive);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            throw new XunitException($"The archive of job {jobId} ({archive.Length} bytes) is not a valid zip: {ex.Message}");
        }

        var expectedNames = available.Select(id => $"{id}.zip").Order(StringComparer.Ordinal).ToList();
        Assert.True(
            entries.Keys.Order(StringComparer.Ordinal).SequenceEqual(expectedNames),
            $"archive entries [{string.Join(", ", entries.Keys.Order(StringComparer.Ordinal))}] of job {jobId} should be exactly [{string.Join(", ", expectedNames)}]");

        foreach (var id in available)
        {
            var file = files[id];
            var size = file.Long("size");
            var entry = entries[$"{id}.zip"];
            var source = await expectedBytes(id, file);
            Assert.True(entry.Length == size, $"archive entry {id}.zip of job {jobId} has {entry.Length} bytes, status says size {size}");
            Assert.True(source.Length == size, $"source of file {id} has {source.Length} bytes, status says size {size}");
            Assert.True(entry.AsSpan().SequenceEqual(source), $"archive entry {id}.zip of job {jobId} differs from the source bytes (first difference at {FirstDifference(entry, source)})");
        }
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }

        return length;
    }
}
