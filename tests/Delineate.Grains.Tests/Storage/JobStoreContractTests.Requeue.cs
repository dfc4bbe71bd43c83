using Delineate.Grains.Intake;

namespace Delineate.Grains.Tests.Storage;

/// <summary>The contract of <see cref="IJobStore.RequeueAsync"/>: an operator's retry puts a finished job back in its queue.</summary>
public abstract partial class JobStoreContractTests
{
    private static readonly AdmissionLimits NoLimits = AdmissionLimits.None;

    [Fact]
    public async Task A_requeued_job_is_pending_again_out_of_the_expiry_set_listed_as_queued_and_counted_once()
    {
        var owner = Owner();
        var shard = IntakeShards.Of(owner);
        var job = NewJob(owner, T0);
        await Store.AcceptAsync([job], maxActivePerOwner: 1);
        await Store.MarkRunningAsync(shard, [(job.JobId, owner)]);
        var expiresAt = DateTimeOffset.UtcNow.AddHours(1);
        Assert.True(await Store.WriteAsync(job.JobId, Write(job, "0-intake", "1-aaaa", JobStatus.Failed, expiresAt: expiresAt)));

        var requeue = Write(job, "1-aaaa", "2-retry", JobStatus.Queued);
        Assert.Equal(RequeueStatus.Requeued, await Store.RequeueAsync(job.JobId, requeue, new AdmissionLimits(1, 10)));
        // The same write again (its answer was lost) is recognised and counted no second time.
        Assert.Equal(RequeueStatus.Requeued, await Store.RequeueAsync(job.JobId, requeue, new AdmissionLimits(1, 10)));

        Assert.Equal("2-retry", (await Store.ReadAsync(job.JobId))!.ETag);
        Assert.Equal([new ShardJob(job.JobId, owner, requeue.Summary.UpdatedAt.ToUnixTimeMilliseconds(), Running: false)], await Store.LoadShardAsync(shard));
        Assert.Empty(await Store.RetentionEndedAsync(shard, DateTimeOffset.UtcNow.AddDays(1), 10));
        Assert.Equal(JobStatus.Queued, Assert.Single((await Store.ListAsync(owner, null, 10, null)).Jobs).Status);
        Assert.Equal(AcceptStatus.OverCap, Assert.Single(await Store.AcceptAsync([NewJob(owner, T0.AddMilliseconds(1))], maxActivePerOwner: 1)).Status);

        // Finished again, it frees its one count and is due for expiry again.
        Assert.True(await Store.WriteAsync(job.JobId, Write(job, "2-retry", "3-aaaa", JobStatus.Completed, expiresAt: expiresAt)));
        Assert.Equal([new RetentionEndedJob(job.JobId, owner)], await Store.RetentionEndedAsync(shard, DateTimeOffset.UtcNow.AddDays(1), 10));
        Assert.Equal(AcceptStatus.Created, Assert.Single(await Store.AcceptAsync([NewJob(owner, T0.AddMilliseconds(2))], maxActivePerOwner: 1)).Status);
    }

    [Fact]
    public async Task A_requeue_over_the_owners_or_the_clusters_cap_is_refused_and_changes_nothing()
    {
        var owner = Owner();
        var shard = IntakeShards.Of(owner);
        var finished = NewJob(owner, T0);
        var other = NewJob(owner, T0.AddMilliseconds(1));
        await Store.AcceptAsync([finished], Cap);
        var expiresAt = DateTimeOffset.UtcNow.AddHours(1);
        Assert.True(await Store.WriteAsync(finished.JobId, Write(finished, "0-intake", "1-aaaa", JobStatus.Failed, expiresAt: expiresAt)));
        await Store.AcceptAsync([other], Cap);

        var requeue = Write(finished, "1-aaaa", "2-retry", JobStatus.Queued);
        Assert.Equal(RequeueStatus.OverCap, await Store.RequeueAsync(finished.JobId, requeue, new AdmissionLimits(1, int.MaxValue)));
        Assert.Equal(RequeueStatus.OverClusterCap, await Store.RequeueAsync(finished.JobId, requeue, new AdmissionLimits(Cap, 1)));

        Assert.Equal("1-aaaa", (await Store.ReadAsync(finished.JobId))!.ETag);
        Assert.Equal([other.JobId], (await Store.LoadShardAsync(shard)).Select(j => j.JobId));
        Assert.Equal([new RetentionEndedJob(finished.JobId, owner)], await Store.RetentionEndedAsync(shard, expiresAt.AddMinutes(1), 10));
    }

    [Fact]
    public async Task A_requeue_with_a_stale_tag_or_of_an_unknown_job_is_a_conflict()
    {
        var owner = Owner();
        var job = NewJob(owner, T0);
        await Store.AcceptAsync([job], Cap);
        Assert.True(await Store.WriteAsync(job.JobId, Write(job, "0-intake", "1-aaaa", JobStatus.Failed, expiresAt: DateTimeOffset.UtcNow.AddHours(1))));

        Assert.Equal(RequeueStatus.Conflict, await Store.RequeueAsync(job.JobId, Write(job, "0-intake", "2-retry", JobStatus.Queued), NoLimits));
        var unknown = NewJob(owner, T0.AddMilliseconds(1));
        Assert.Equal(RequeueStatus.Conflict, await Store.RequeueAsync(unknown.JobId, Write(unknown, "", "1-retry", JobStatus.Queued), NoLimits));
        Assert.Null(await Store.ReadAsync(unknown.JobId));
    }
}
