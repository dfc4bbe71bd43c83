using System.Globalization;
using Delineate.Abstractions;
using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;
using Orleans.Serialization;
using Orleans.Storage;

namespace Delineate.Grains.Intake;

/// <summary>
/// How a job's record and its owner-index line are encoded. The record is the job grain's state in
/// Orleans' binary format (JSON written by older builds still reads); the index line is
/// "status|filesTotal|createdMs|updatedMs".
/// </summary>
public sealed class JobStateCodec(Serializer binary, IGrainStorageSerializer? json = null)
{
    private readonly BinaryGrainStateSerializer _serializer = new(binary, json);

    public byte[] Encode(DownloadJobState state) => _serializer.Serialize(state).ToArray();

    public DownloadJobState Decode(byte[] data) =>
        _serializer.Deserialize<DownloadJobState>(BinaryData.FromBytes(data)) ?? new DownloadJobState();

    public T Decode<T>(byte[] data) => _serializer.Deserialize<T>(BinaryData.FromBytes(data))!;

    public byte[] Encode<T>(T state) => _serializer.Serialize(state).ToArray();

    public static string EncodeSummary(JobSummary summary) => string.Create(CultureInfo.InvariantCulture,
        $"{(int)summary.Status}|{summary.FilesTotal}|{summary.CreatedAt.ToUnixTimeMilliseconds()}|{summary.UpdatedAt.ToUnixTimeMilliseconds()}");

    public static JobSummary? DecodeSummary(Guid jobId, string? text)
    {
        var parts = text?.Split('|');
        if (parts is not { Length: 4 }
            || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var status)
            || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var files)
            || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var created)
            || !long.TryParse(parts[3], CultureInfo.InvariantCulture, out var updated))
        {
            return null;
        }
        return new JobSummary
        {
            JobId = jobId,
            Status = (JobStatus)status,
            FilesTotal = files,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(created),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(updated),
        };
    }

    /// <summary>A shard-set member: the job id (32 hex digits) then the owner, so it parses unambiguously.</summary>
    public static string Member(Guid jobId, string owner) => string.Concat(jobId.ToString("N"), ":", owner);

    public static (Guid JobId, string Owner) ParseMember(string member) =>
        (Guid.ParseExact(member.AsSpan(0, 32), "N"), member[33..]);

    /// <summary>A page of an owner's index, newest first (ids are version 7 Guids: they sort by creation).</summary>
    public static JobPage Page(IEnumerable<JobSummary> summaries, JobStatus? status, int limit, Guid? cursor)
    {
        var all = summaries.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.JobId).ToList();
        var matching = status is null ? all : all.Where(s => s.Status == status).ToList();
        var start = 0;
        if (cursor is { } after)
        {
            // The cursor's own entry knows its time to the tick; an expired cursor falls back on its id's millisecond.
            var created = all.FirstOrDefault(s => s.JobId == after)?.CreatedAt ?? JobIds.CreationTimeOf(after);
            start = matching.FindIndex(s => s.CreatedAt < created || (s.CreatedAt == created && s.JobId.CompareTo(after) < 0));
            if (start < 0)
            {
                start = matching.Count;
            }
        }
        var page = matching.Skip(start).Take(limit).ToList();
        var next = start + page.Count < matching.Count && page.Count > 0 ? page[^1].JobId : (Guid?)null;
        return new JobPage { Jobs = page, NextCursor = next, Total = matching.Count };
    }
}
