using System.Globalization;
using System.Runtime.CompilerServices;
using Delineate.Abstractions;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Delineate.Grains.Intake;

/// <summary>
/// The job grain's storage, on the <see cref="IJobStore"/>. Its version tags are
/// "{write number}-{activation token}": a retry of a write whose answer was lost carries the same
/// new tag and recognises its own write, while a second activation of the same job (a silo wrongly
/// declared dead) carries another token and gets <see cref="InconsistentStateException"/>. A write of
/// a finished job also updates the owner's index, leaves the shard's sets and starts the record's retention.
/// </summary>
public sealed class JobGrainStorage(IJobStore store, JobStateCodec codec, IOptions<JobOptions> options) : IGrainStorage
{
    private readonly ConditionalWeakTable<object, string> _tokens = new();

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await Guarded(() => store.ReadAsync(JobIdOf(grainId)));
        if (stored is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = codec.Decode<T>(stored.Data);
        grainState.ETag = stored.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is not DownloadJobState state)
        {
            throw new NotSupportedException($"The job store holds job states only, not {typeof(T).Name}.");
        }
        var jobId = JobIdOf(grainId);
        var newTag = NextTag(grainState);
        var finished = state.Status.IsTerminal();
        var written = await Guarded(() => store.WriteAsync(jobId, new JobWrite
        {
            ExpectedETag = grainState.ETag ?? "",
            NewETag = newTag,
            Data = codec.Encode(state),
            Owner = state.Owner,
            Summary = new JobSummary
            {
                JobId = jobId,
                Status = state.Status,
                FilesTotal = state.Files.Count,
                CreatedAt = state.CreatedAt,
                UpdatedAt = state.UpdatedAt,
            },
            RetainedUntil = finished ? (state.FinishedAt ?? state.UpdatedAt) + options.Value.Retention : null,
        }));
        if (!written)
        {
            throw new InconsistentStateException($"Version conflict writing job {jobId}: the stored record is not at {grainState.ETag}.");
        }
        grainState.ETag = newTag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is DownloadJobState state)
        {
            await Guarded(async () =>
            {
                await store.DeleteAsync(JobIdOf(grainId), state.Owner);
                return true;
            });
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>The next write's tag; the same for every retry until a write succeeds and moves the tag on.</summary>
    private string NextTag<T>(IGrainState<T> grainState)
    {
        var token = _tokens.GetValue(grainState, static _ => Guid.NewGuid().ToString("N")[..12]);
        var current = grainState.ETag;
        var dash = current?.IndexOf('-') ?? -1;
        var number = dash > 0 && long.TryParse(current.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{number + 1}-{token}");
    }

    /// <summary>A store failure that passes becomes <see cref="StoreUnavailableException"/>, which crosses grain calls.</summary>
    private static async Task<T> Guarded<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (RedisErrors.IsTransient(ex))
        {
            throw new StoreUnavailableException("Job storage did not answer.", ex);
        }
    }

    private static Guid JobIdOf(GrainId grainId) =>
        grainId.TryGetGuidKey(out var jobId, out _) ? jobId : throw new ArgumentException($"Not a job grain: {grainId}.");
}
