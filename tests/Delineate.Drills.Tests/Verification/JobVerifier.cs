using System.Net;
using Delineate.Drills.Tests.Load;

namespace Delineate.Drills.Tests.Verification;

/// <summary>
/// Checks one finished job against what was asked and what S3 holds: a terminal status; every
/// requested file once, in order, with a result that fits the catalogue (ready and byte-identical,
/// missing, or failed with an error); attempts within the budget; counts that agree; and for a
/// completed job an archive holding exactly its ready files, byte for byte.
/// </summary>
public sealed class JobVerifier(SourceObjects sources, HttpClient http, int maxAttempts, TimeSpan jobTimeout)
{
    /// <summary>How far past its deadline a job may finish: a reminder tick, failure detection, a state write.</summary>
    public static readonly TimeSpan DeadlineSlack = TimeSpan.FromSeconds(20);

    public async Task<JobVerdict> VerifyAsync(JobRecord job, JsonElement status)
    {
        var problems = new List<string>();
        var name = status.String("status");
        var files = status.Array("files");
        var fileIds = files.Select(f => (int)f.Long("file_id")).ToList();
        if (!fileIds.SequenceEqual(job.DistinctFileIds))
        {
            problems.Add($"files[] ids [{string.Join(',', fileIds)}] are not the requested ids without duplicates, in order: [{string.Join(',', job.DistinctFileIds)}]");
        }

        if (!JobStatuses.IsTerminal(name))
        {
            problems.Add($"status is {name}, not terminal");
        }

        var created = DateTimeOffset.Parse(status.String("createdAt"));
        var updated = DateTimeOffset.Parse(status.String("updatedAt"));
        var duration = updated - created;
        if (duration > jobTimeout + DeadlineSlack)
        {
            problems.Add($"finished {duration.TotalSeconds:F1} s after creation: past its deadline ({jobTimeout.TotalSeconds:F0} s) by more than {DeadlineSlack.TotalSeconds:F0} s");
        }

        var byStatus = new Dictionary<string, int>();
        var fileErrors = new List<string>();
        var ready = new List<(int Id, long Size)>();
        foreach (var file in files)
        {
            var id = (int)file.Long("file_id");
            var fileStatus = file.String("status");
            var attempts = file.Long("attempts");
            var error = file.OptionalField("error")?.GetString();
            byStatus[fileStatus] = byStatus.GetValueOrDefault(fileStatus) + 1;
            var exists = SyntheticCatalogue.Exists(id);
            switch (fileStatus)
            {
                case "ready":
                    if (!exists)
                    {
                        problems.Add($"file {id} is ready but the catalogue has no such file");
                    }

                    if (file.OptionalField("size") is not { ValueKind: JsonValueKind.Number } size)
                    {
                        problems.Add($"file {id} is ready without a size");
                    }
                    else
                    {
                        ready.Add((id, size.GetInt64()));
                    }

                    if (file.OptionalField("url") is null)
                    {
                        problems.Add($"file {id} is ready without a url");
                    }

                    break;
                case "missing":
                    if (exists)
                    {
                        problems.Add($"file {id} is missing but exists in the seeded source");
                    }

                    break;
                case "failed":
                    if (string.IsNullOrWhiteSpace(error))
                    {
                        problems.Add($"file {id} failed without an error");
                    }

                    fileErrors.Add(error ?? "(none)");
                    break;
                default:
                    if (name is JobStatuses.Completed)
                    {
                        problems.Add($"file {id} is {fileStatus} in a completed job");
                    }

                    break;
            }

            if (fileStatus is "ready" or "missing" or "failed" && (attempts < 1 || attempts > maxAttempts))
            {
                problems.Add($"file {id} is {fileStatus} after {attempts} attempts; the budget is 1 to {maxAttempts} (JOB_MAX_ATTEMPTS)");
            }
        }

        var archiveVerified = false;
        var result = status.OptionalField("result");
        if (JobStatuses.IsTerminal(name) && result is null)
        {
            problems.Add("a finished job has no result");
        }

        if (result is { } r)
        {
            CheckCount(r, "successCount", byStatus.GetValueOrDefault("ready"), problems);
            CheckCount(r, "missingCount", byStatus.GetValueOrDefault("missing"), problems);
            CheckCount(r, "failedCount", byStatus.GetValueOrDefault("failed"), problems);
        }

        string? jobError = status.OptionalField("error")?.GetString();
        if (name == JobStatuses.Completed)
        {
            if (ready.Count == 0)
            {
                problems.Add("completed without a single ready file");
            }

            var archiveUrl = result?.OptionalField("archiveUrl")?.GetString();
            if (archiveUrl is null)
            {
                problems.Add("completed without result.archiveUrl");
            }
            else
            {
                archiveVerified = await VerifyArchiveAsync(archiveUrl, ready, problems);
            }
        }
        else if (name == JobStatuses.Failed && string.IsNullOrWhiteSpace(jobError))
        {
            problems.Add("failed without an error");
        }

        return new JobVerdict(
            job.JobId!,
            name,
            jobError,
            byStatus,
            fileErrors,
            archiveVerified,
            Math.Round(duration.TotalSeconds, 2),
            problems);
    }

    private async Task<bool> VerifyArchiveAsync(string archiveUrl, IReadOnlyList<(int Id, long Size)> ready, List<string> problems)
    {
        byte[] archive;
        using (var response = await http.GetAsync(archiveUrl))
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                problems.Add($"archive GET {archiveUrl} answered {(int)response.StatusCode}");
                return false;
            }

            archive = await response.Content.ReadAsByteArrayAsync();
        }

        IReadOnlyDictionary<string, byte[]> entries;
        try
        {
            entries = ZipContents.Read(archive);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            problems.Add($"the archive ({archive.Length} bytes) is not a valid zip: {ex.Message}");
            return false;
        }

        var expected = ready.Select(f => $"{f.Id}.zip").Order(StringComparer.Ordinal).ToList();
        var actual = entries.Keys.Order(StringComparer.Ordinal).ToList();
        var ok = true;
        if (!actual.SequenceEqual(expected))
        {
            problems.Add($"archive entries [{string.Join(", ", actual)}] are not exactly the ready files [{string.Join(", ", expected)}]");
            ok = false;
        }

        foreach (var (id, size) in ready)
        {
            if (!entries.TryGetValue($"{id}.zip", out var entry))
            {
                continue;
            }

            var source = await sources.GetAsync(id);
            if (source is null)
            {
                problems.Add($"file {id} is in the archive but not in the source bucket");
                ok = false;
            }
            else if (!entry.AsSpan().SequenceEqual(source))
            {
                problems.Add($"archive entry {id}.zip ({entry.Length} bytes) differs from the source object ({source.Length} bytes)");
                ok = false;
            }

            if (entry.Length != size)
            {
                problems.Add($"archive entry {id}.zip has {entry.Length} bytes; the status says size {size}");
                ok = false;
            }
        }

        return ok;
    }

    private static void CheckCount(JsonElement result, string field, int expected, List<string> problems)
    {
        var actual = result.OptionalField(field) is { ValueKind: JsonValueKind.Number } n ? n.GetInt64() : -1;
        if (actual != expected)
        {
            problems.Add($"result.{field} is {actual}; files[] says {expected}");
        }
    }
}
