using Delineate.Abstractions;

namespace Delineate.Grains.Jobs;

/// <summary>Creates a job: a place in its owner's index (within the cap), then the job itself.</summary>
public static class JobCreation
{
    /// <summary>The new job's snapshot, or null when the owner already has too many unfinished jobs.</summary>
    public static async Task<JobSnapshot?> CreateAsync(IGrainFactory grains, Guid jobId, InitiateJobRequest request, int maxActive, TimeProvider time)
    {
        var owner = grains.GetGrain<IOwnerJobsGrain>(request.Owner);
        var summary = new JobSummary
        {
            JobId = jobId,
            Status = JobStatus.Queued,
            FilesTotal = request.FileIds.Distinct().Count(),
            CreatedAt = time.GetUtcNow(),
            UpdatedAt = time.GetUtcNow(),
        };
        if (!await owner.TryAdd(summary, maxActive))
        {
            return null;
        }
        try
        {
            return await grains.GetGrain<IDownloadJobGrain>(jobId).Initiate(request);
        }
        catch
        {
            await owner.Remove(jobId);
            throw;
        }
    }
}
