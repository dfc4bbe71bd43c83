using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Jobs;

/// <summary>
/// What clients see of a job's state: progress, per-file results, the result and its links. Pure
/// functions of the state, the clock and (for links) a signer, so they are tested without a cluster.
/// </summary>
public static class JobReadModel
{
    /// <summary>Progress never goes back: the stored highest value is the floor.</summary>
    public static int Percent(DownloadJobState s, int bundledFiles, int bundleTotal)
    {
        var total = s.Files.Count;
        if (s.Status == JobStatus.Completed)
        {
            return 100;
        }
        if (total == 0)
        {
            return s.Percent;
        }
        var now = s.Phase switch
        {
            JobPhase.Fetching => 90 * s.Files.Count(f => f.IsSettled) / total,
            JobPhase.Bundling => 90 + (bundleTotal == 0 ? 0 : 9 * bundledFiles / bundleTotal),
            _ => 0,
        };
        return Math.Max(s.Percent, now);
    }

    public static JobProgress Progress(DownloadJobState s, DateTimeOffset now)
    {
        int settled = 0, missing = 0, failed = 0;
        long bytes = 0;
        foreach (var file in s.Files)
        {
            switch (file.Status)
            {
                case FileStatus.Ready:
                    settled++;
                    bytes += file.Size ?? 0;
                    break;
                case FileStatus.Missing:
                    settled++;
                    missing++;
                    break;
                case FileStatus.Failed:
                    settled++;
                    failed++;
                    break;
            }
        }
        int? eta = null;
        if (s.StartedAt is { } started && !s.Status.IsTerminal() && s.Percent is > 0 and < 100)
        {
            var elapsed = (now - started).TotalSeconds;
            eta = (int)Math.Ceiling(elapsed * (100 - s.Percent) / s.Percent);
        }
        return new JobProgress
        {
            Status = s.Status,
            Phase = s.Phase,
            Percent = s.Percent,
            FilesDone = settled,
            FilesTotal = s.Files.Count,
            FilesMissing = missing,
            FilesFailed = failed,
            BytesDone = bytes,
            EtaSeconds = eta,
        };
    }

    /// <summary>One file's result; its link only when <paramref name="links"/> is given and it is ready.</summary>
    public static FileResult File(FileState file, JobLinks? links) => new()
    {
        FileId = file.FileId,
        Status = file.Status,
        Size = file.Size,
        Attempts = file.Attempts,
        Error = file.Error,
        Url = links is not null && file.Status == FileStatus.Ready
            ? links.FileUrl(new SourceFile(file.FileId, file.Key ?? StorageKeys.Source(file.FileId), file.Size ?? 0))
            : null,
    };

    /// <summary>The job's full status; without <paramref name="links"/>, no URL is signed.</summary>
    public static JobSnapshot Snapshot(Guid jobId, DownloadJobState s, DateTimeOffset now, JobLinks? links)
    {
        var files = s.Files.Select(f => File(f, links)).ToList();
        return new JobSnapshot
        {
            JobId = jobId,
            Owner = s.Owner,
            Seq = s.Seq,
            Progress = Progress(s, now),
            Files = files,
            Result = s.Status.IsTerminal() ? Result(jobId, s, files, links) : null,
            Error = s.Status == JobStatus.Failed ? s.Error : null,
            CreatedAt = s.CreatedAt,
            UpdatedAt = s.UpdatedAt,
            TraceId = ActivityContext.TryParse(s.TraceParent, null, out var trace) ? trace.TraceId.ToString() : null,
            Webhook = s.Webhook?.ToContract(),
        };
    }

    /// <summary>
    /// A stored snapshot (no links) with fresh links for its ready files, and for the archive when
    /// <paramref name="archiveKey"/> is given (the job completed with an archive).
    /// </summary>
    public static JobSnapshot WithLinks(JobSnapshot stored, string? archiveKey, JobLinks links)
    {
        var files = stored.Files.Select(f => f.Status == FileStatus.Ready
            ? f with { Url = links.FileUrl(new SourceFile(f.FileId, StorageKeys.Source(f.FileId), f.Size ?? 0)) }
            : f).ToList();
        var result = stored.Result;
        if (result is not null)
        {
            result = result with
            {
                ArchiveUrl = archiveKey is not null ? links.ArchiveUrl(archiveKey, $"{stored.JobId}.zip") : null,
                DownloadUrls = files.Where(f => f.Url is not null).Select(f => f.Url!).ToList(),
                ExpiresAt = archiveKey is not null ? links.ExpiresAt : null,
            };
        }
        return stored with { Files = files, Result = result };
    }

    public static JobResult Result(Guid jobId, DownloadJobState s, IReadOnlyList<FileResult> files, JobLinks? links)
    {
        var ready = files.Count(f => f.Status == FileStatus.Ready);
        var missing = files.Count(f => f.Status == FileStatus.Missing);
        var failed = files.Count(f => f.Status == FileStatus.Failed);
        var hasArchive = s.Status == JobStatus.Completed && s.ArchiveSize is not null && s.ArchiveKey is not null;
        return new JobResult
        {
            SuccessCount = ready,
            MissingCount = missing,
            FailedCount = failed,
            ArchiveUrl = hasArchive && links is not null ? links.ArchiveUrl(s.ArchiveKey!, $"{jobId}.zip") : null,
            DownloadUrls = files.Where(f => f.Url is not null).Select(f => f.Url!).ToList(),
            ExpiresAt = hasArchive ? links?.ExpiresAt : null,
            Message = s.Status switch
            {
                JobStatus.Completed => $"{ready} of {s.Files.Count} files ready; {missing} missing, {failed} failed.",
                JobStatus.Cancelled => "The job was cancelled.",
                _ => s.Error,
            },
        };
    }

    /// <summary>The header of a stored view (its owner cannot change).</summary>
    public static JobHeader Header(JobSnapshot stored) => new()
    {
        JobId = stored.JobId,
        Owner = stored.Owner,
        Seq = stored.Seq,
        Status = stored.Progress.Status,
        Percent = stored.Progress.Percent,
    };

    /// <summary>Who owns the job and where it stands: enough for ownership checks, with nothing signed.</summary>
    public static JobHeader Header(Guid jobId, DownloadJobState s) => new()
    {
        JobId = jobId,
        Owner = s.Owner,
        Seq = s.Seq,
        Status = s.Status,
        Percent = s.Percent,
    };
}
