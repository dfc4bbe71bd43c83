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
        }
        var created = await JobCreation.CreateAsync(GrainFactory, jobId, request, maxActive, time);
        if (created is null)
        {
            return new IdempotentInitiation { OverCap = true };
        }
        state.State = new IdempotencyState { BodyHash = bodyHash, JobId = jobId, CreatedAt = time.GetUtcNow() };
        await state.WriteStateAsync();
        return new IdempotentInitiation { Job = created };
    }
}
