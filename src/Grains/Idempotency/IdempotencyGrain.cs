using Delineate.Abstractions;
using Delineate.Grains.Jobs;

namespace Delineate.Grains.Idempotency;

/// <summary>
/// One owner's idempotency key. Non-reentrant, so concurrent duplicates wait for the first call
/// and then get its job. A key is honoured for <see cref="Lifetime"/>.
/// </summary>
public sealed class IdempotencyGrain(
    [PersistentState("key", IdempotencyGrain.StorageName)] IPersistentState<IdempotencyState> state,
    TimeProvider time) : Grain, IIdempotencyGrain
{
    public const string StorageName = "idempotency";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Unambiguous even when the owner or the key holds the separator.</summary>
    public static string KeyOf(string owner, string idempotencyKey) => $"{owner.Length}:{owner}/{idempotencyKey}";

    public async Task<IdempotentInitiation> Initiate(string bodyHash, Guid jobId, InitiateJobRequest request, int maxActive)
    {
        if (state.RecordExists && time.GetUtcNow() - state.State.CreatedAt < Lifetime)
        {
            if (state.State.BodyHash != bodyHash)
            {
                return new IdempotentInitiation { BodyMismatch = true };
            }
            var existing = await GrainFactory.GetGrain<IDownloadJobGrain>(state.State.JobId).GetStatus();
            if (existing is not null)
            {
                return new IdempotentInitiation { Job = existing };
            }
            // An earlier attempt recorded the key but did not get as far as storing the job (its
            // silo died, storage failed, or the owner was at the cap): finish it under the same id.
            jobId = state.State.JobId;
        }
        else
        {
            // The key is recorded before the job exists, so every retry converges on this one job id,
            // whatever happens to this attempt after this line.
            state.State = new IdempotencyState { BodyHash = bodyHash, JobId = jobId, CreatedAt = time.GetUtcNow() };
            await state.WriteStateAsync();
        }
        var created = await JobCreation.CreateAsync(GrainFactory, jobId, request, maxActive, time);
        return created is null
            ? new IdempotentInitiation { OverCap = true }
            : new IdempotentInitiation { Job = created };
    }
}
