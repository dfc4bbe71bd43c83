namespace Delineate.Abstractions;

/// <summary>
/// One idempotency key of one owner (key: "{owner}/{idempotency key}"), kept 24 hours. Calls are
/// serialised on the grain, so concurrent duplicates all get the job the first one created.
/// </summary>
[Alias("Delineate.IIdempotencyGrain")]
public interface IIdempotencyGrain : IGrainWithStringKey
{
    /// <summary>
    /// Returns the job this key already stands for when <paramref name="bodyHash"/> matches, a mismatch when
    /// it does not, or creates the job (as <paramref name="jobId"/>) the first time.
    /// </summary>
    [Alias("Initiate")]
    Task<IdempotentInitiation> Initiate(string bodyHash, Guid jobId, InitiateJobRequest request, int maxActive);
}
