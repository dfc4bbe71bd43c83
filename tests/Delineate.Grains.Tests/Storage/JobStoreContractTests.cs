using System.Text;
using Delineate.Grains.Intake;
using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using StackExchange.Redis;

namespace Delineate.Grains.Tests.Storage;

/// <summary>
/// The rules every <see cref="IJobStore"/> keeps (embedded mode's memory, clustered mode's Redis):
/// the same cases run against each. Every test has a store of its own.
/// </summary>
public abstract partial class JobStoreContractTests
{
    protected const int Cap = 100;

    /// <summary>Creation times in whole milliseconds (Redis keeps milliseconds), ten minutes ago.</summary>
    protected static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds());

    protected abstract IJobStore Store { get; }

    // ---- Accept ----

    [Fact]
    public async Task An_accepted_job_is_stored_listed_as_queued_and_pending_in_its_shard()
    {
        var owner = Owner();
        var job = NewJob(owner, T0, files: 3);

        var outcomes = await Store.AcceptAsync([job], Cap);

        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, job.JobId)], outcomes);
        var stored = await Store.ReadAsync(job.JobId);
        Assert.NotNull(stored);
        Assert.Equal("0-intake", stored.ETag);
        Assert.Equal(job.Record, stored.Data);
        var page = await Store.ListAsync(owner, null, 10, null);
        Assert.Equal(1, page.Total);
        Assert.Null(page.NextCursor);
        Assert.Equal(new JobSummary { JobId = job.JobId, Status = JobStatus.Queued, FilesTotal = 3, CreatedAt = T0, UpdatedAt = T0 }, Assert.Single(page.Jobs));
        var shard = await Store.LoadShardAsync(IntakeShards.Of(owner));
        Assert.Equal([new ShardJob(job.JobId, owner, T0.ToUnixTimeMilliseconds(), Running: false)], shard);
    }

    [Fact]
    public async Task A_batch_answers_each_job_in_order_and_the_shard_lists_them_oldest_first()
    {
        var owner = Owner();
        var jobs = Enumerable.Range(0, 4).Select(i => NewJob(owner, T0.AddMilliseconds(10 * (3 - i)))).ToList();

        var outcomes = await Store.AcceptAsync(jobs, Cap);

        Assert.Equal(jobs.Select(j => new AcceptOutcome(AcceptStatus.Created, j.JobId)), outcomes);
        var shard = await Store.LoadShardAsync(IntakeShards.Of(owner));
        Assert.Equal(jobs.OrderBy(j => j.CreatedAt).Select(j => j.JobId), shard.Select(j => j.JobId));
        Assert.Equal(4, (await Store.ListAsync(owner, null, 10, null)).Total);
    }

    [Fact]
    public async Task Accepting_the_same_job_again_answers_created_without_a_second_entry_or_count()
    {
        // The batch is retried after its answer was lost: it already landed.
        var owner = Owner();
        var first = NewJob(owner, T0);
        var second = NewJob(owner, T0.AddMilliseconds(1));
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, first.JobId)], await Store.AcceptAsync([first], maxActivePerOwner: 2));

        var retried = await Store.AcceptAsync([first], maxActivePerOwner: 2);
        var again = await Store.AcceptAsync([first, second], maxActivePerOwner: 2);

        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, first.JobId)], retried);
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, first.JobId), new AcceptOutcome(AcceptStatus.Created, second.JobId)], again);
        var page = await Store.ListAsync(owner, null, 10, null);
        Assert.Equal([second.JobId, first.JobId], page.Jobs.Select(j => j.JobId));
        Assert.Equal(2, (await Store.LoadShardAsync(IntakeShards.Of(owner))).Count);
        // Two jobs counted, not three or four: at the cap of 2 a retry still answers Created, a new job does not.
        Assert.Equal([AcceptStatus.Created, AcceptStatus.Created, AcceptStatus.OverCap],
            (await Store.AcceptAsync([first, second, NewJob(owner, T0.AddMilliseconds(2))], maxActivePerOwner: 2)).Select(o => o.Status));
    }

    [Fact]
    public async Task A_retried_job_with_an_idempotency_key_answers_created_for_itself()
    {
        // IJobStore.AcceptAsync: "Safe to repeat after an unknown outcome: a job already stored answers
        // Created". The intake retries a batch whose reply was lost; a job that carried an idempotency
        // key must not come back as Existing (pointing at itself): JobIntake hands only Created jobs to
        // their shard, so this one would wait for the shard's reminder to be admitted.
        var owner = Owner();
        var job = NewJob(owner, T0, key: "k-1", hash: "h-1");
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, job.JobId)], await Store.AcceptAsync([job], Cap));

        var retried = await Store.AcceptAsync([job], Cap);

        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, job.JobId)], retried);
    }

    [Fact]
    public async Task Over_the_per_owner_cap_a_job_is_refused_and_not_stored()
    {
        var owner = Owner();
        var jobs = Enumerable.Range(0, 3).Select(i => NewJob(owner, T0.AddMilliseconds(i))).ToList();

        var outcomes = await Store.AcceptAsync(jobs, maxActivePerOwner: 2);

        Assert.Equal([AcceptStatus.Created, AcceptStatus.Created, AcceptStatus.OverCap], outcomes.Select(o => o.Status));
        Assert.Equal(Guid.Empty, outcomes[2].JobId);
        Assert.Null(await Store.ReadAsync(jobs[2].JobId));
        Assert.Equal(2, (await Store.ListAsync(owner, null, 10, null)).Total);
        Assert.Equal(2, (await Store.LoadShardAsync(IntakeShards.Of(owner))).Count);
        // The cap is per owner.
        Assert.Equal(AcceptStatus.Created, Assert.Single(await Store.AcceptAsync([NewJob(Owner(), T0)], maxActivePerOwner: 2)).Status);
    }

    [Fact]
    public async Task A_terminal_write_frees_one_slot_and_a_progress_write_does_not()
    {
        var owner = Owner();
        var a = NewJob(owner, T0);
        var b = NewJob(owner, T0.AddMilliseconds(1));
        await Store.AcceptAsync([a, b], maxActivePerOwner: 2);

        Assert.True(await Store.WriteAsync(a.JobId, Write(a, "0-intake", "1-aaaa", JobStatus.Processing)));
        Assert.Equal(AcceptStatus.OverCap, Assert.Single(await Store.AcceptAsync([NewJob(owner, T0.AddMilliseconds(2))], 2)).Status);

        Assert.True(await Store.WriteAsync(a.JobId, Write(a, "1-aaaa", "2-aaaa", JobStatus.Completed, expiresAt: DateTimeOffset.UtcNow.AddHours(1))));
        var c = NewJob(owner, T0.AddMilliseconds(3));
        var d = NewJob(owner, T0.AddMilliseconds(4));
        Assert.Equal([AcceptStatus.Created, AcceptStatus.OverCap], (await Store.AcceptAsync([c, d], 2)).Select(o => o.Status));

        // The terminal write retried (same new tag) frees nothing more.
        Assert.True(await Store.WriteAsync(a.JobId, Write(a, "1-aaaa", "2-aaaa", JobStatus.Completed, expiresAt: DateTimeOffset.UtcNow.AddHours(1))));
        Assert.Equal(AcceptStatus.OverCap, Assert.Single(await Store.AcceptAsync([d], 2)).Status);
    }

    // ---- The cluster's cap (MAX_ACTIVE_JOBS) ----

    [Fact]
    public async Task Over_the_cluster_cap_a_job_of_any_owner_is_refused_not_stored_and_claims_no_idempotency_key()
    {
        var first = NewJob(Owner(), T0);
        var second = NewJob(Owner(), T0.AddMilliseconds(1));
        var refused = NewJob(Owner(), T0.AddMilliseconds(2), key: "key-g", hash: "body");

        var outcomes = await Store.AcceptAsync([first, second, refused], Cap, maxActive: 2);

        Assert.Equal([AcceptStatus.Created, AcceptStatus.Created, AcceptStatus.OverClusterCap], outcomes.Select(o => o.Status));
        Assert.Equal(Guid.Empty, outcomes[2].JobId);
        Assert.Null(await Store.ReadAsync(refused.JobId));
        Assert.Equal(0, (await Store.ListAsync(refused.Owner, null, 10, null)).Total);
        // The key was not claimed: the same key later stands for the job that is stored then.
        var later = NewJob(refused.Owner, T0.AddMilliseconds(3), key: "key-g", hash: "body");
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, later.JobId)], await Store.AcceptAsync([later], Cap, maxActive: 3));
    }

    [Fact]
    public async Task A_terminal_write_or_a_delete_frees_one_cluster_slot_and_a_retried_accept_claims_none()
    {
        var a = NewJob(Owner(), T0);
        var b = NewJob(Owner(), T0.AddMilliseconds(1));
        Assert.All(await Store.AcceptAsync([a, b], Cap, maxActive: 2), o => Assert.Equal(AcceptStatus.Created, o.Status));
        // The same batch again (its answer lost) is answered Created and counts nothing twice.
        Assert.All(await Store.AcceptAsync([a, b], Cap, maxActive: 2), o => Assert.Equal(AcceptStatus.Created, o.Status));
        Assert.Equal(AcceptStatus.OverClusterCap, Assert.Single(await Store.AcceptAsync([NewJob(Owner(), T0.AddMilliseconds(2))], Cap, maxActive: 2)).Status);

        Assert.True(await Store.WriteAsync(a.JobId, Write(a, "0-intake", "1-aaaa", JobStatus.Processing)));
        Assert.Equal(AcceptStatus.OverClusterCap, Assert.Single(await Store.AcceptAsync([NewJob(Owner(), T0.AddMilliseconds(3))], Cap, maxActive: 2)).Status);
        Assert.True(await Store.WriteAsync(a.JobId, Write(a, "1-aaaa", "2-aaaa", JobStatus.Completed, expiresAt: DateTimeOffset.UtcNow.AddHours(1))));
        var c = NewJob(Owner(), T0.AddMilliseconds(4));
        Assert.Equal([AcceptStatus.Created, AcceptStatus.OverClusterCap],
            (await Store.AcceptAsync([c, NewJob(Owner(), T0.AddMilliseconds(5))], Cap, maxActive: 2)).Select(o => o.Status));

        await Store.DeleteAsync(b.JobId, b.Owner);
        var d = NewJob(Owner(), T0.AddMilliseconds(6));
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, d.JobId)], await Store.AcceptAsync([d], Cap, maxActive: 2));
        // Deleting the finished job (it expired) frees nothing more: it no longer counted.
        await Store.DeleteAsync(a.JobId, a.Owner);
        Assert.Equal(AcceptStatus.OverClusterCap, Assert.Single(await Store.AcceptAsync([NewJob(Owner(), T0.AddMilliseconds(7))], Cap, maxActive: 2)).Status);
    }

    // ---- Idempotency keys ----

    [Fact]
    public async Task An_idempotency_key_answers_the_first_job_for_the_same_body_and_a_mismatch_for_another()
    {
        var owner = Owner();
        var first = NewJob(owner, T0, key: "key-1", hash: "body-a");
        var sameBody = NewJob(owner, T0.AddMilliseconds(1), key: "key-1", hash: "body-a");
        var otherBody = NewJob(owner, T0.AddMilliseconds(2), key: "key-1", hash: "body-b");
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, first.JobId)], await Store.AcceptAsync([first], Cap));

        var outcomes = await Store.AcceptAsync([sameBody, otherBody], Cap);

        Assert.Equal([new AcceptOutcome(AcceptStatus.Existing, first.JobId), new AcceptOutcome(AcceptStatus.BodyMismatch, Guid.Empty)], outcomes);
        Assert.Null(await Store.ReadAsync(sameBody.JobId));
        Assert.Null(await Store.ReadAsync(otherBody.JobId));
        Assert.Equal([first.JobId], (await Store.ListAsync(owner, null, 10, null)).Jobs.Select(j => j.JobId));
        Assert.Single(await Store.LoadShardAsync(IntakeShards.Of(owner)));
    }

    [Fact]
    public async Task An_idempotency_key_is_honoured_within_one_batch_and_is_per_owner()
    {
        var owner = Owner();
        var first = NewJob(owner, T0, key: "key-2", hash: "body");
        var second = NewJob(owner, T0.AddMilliseconds(1), key: "key-2", hash: "body");
        var otherOwner = NewJob(Owner(), T0.AddMilliseconds(2), key: "key-2", hash: "body");
        var otherKey = NewJob(owner, T0.AddMilliseconds(3), key: "key-3", hash: "body");

        var outcomes = await Store.AcceptAsync([first, second, otherOwner, otherKey], Cap);

        Assert.Equal(
            [
                new AcceptOutcome(AcceptStatus.Created, first.JobId),
                new AcceptOutcome(AcceptStatus.Existing, first.JobId),
                new AcceptOutcome(AcceptStatus.Created, otherOwner.JobId),
                new AcceptOutcome(AcceptStatus.Created, otherKey.JobId),
            ],
            outcomes);
    }

    [Fact]
    public async Task A_job_refused_over_the_cap_does_not_claim_its_idempotency_key()
    {
        var owner = Owner();
        await Store.AcceptAsync([NewJob(owner, T0)], maxActivePerOwner: 1);
        var refused = NewJob(owner, T0.AddMilliseconds(1), key: "key-4", hash: "body");
        Assert.Equal(AcceptStatus.OverCap, Assert.Single(await Store.AcceptAsync([refused], maxActivePerOwner: 1)).Status);

        var later = NewJob(owner, T0.AddMilliseconds(2), key: "key-4", hash: "body");
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, later.JobId)], await Store.AcceptAsync([later], maxActivePerOwner: 2));
    }

    // ---- Running ----

    [Fact]
    public async Task Marking_jobs_running_shows_in_the_shard_and_only_for_them()
    {
        var owner = Owner();
        var a = NewJob(owner, T0);
        var b = NewJob(owner, T0.AddMilliseconds(1));
        await Store.AcceptAsync([a, b], Cap);
        var shard = IntakeShards.Of(owner);

        await Store.MarkRunningAsync(shard, [(a.JobId, owner)]);

        Assert.Equal([new ShardJob(a.JobId, owner, a.CreatedAt.ToUnixTimeMilliseconds(), true), new ShardJob(b.JobId, owner, b.CreatedAt.ToUnixTimeMilliseconds(), false)],
            await Store.LoadShardAsync(shard));
        // Marking again is harmless.
        await Store.MarkRunningAsync(shard, [(a.JobId, owner), (b.JobId, owner)]);
        Assert.All(await Store.LoadShardAsync(shard), j => Assert.True(j.Running));
    }

    [Fact]
    public async Task A_running_job_that_finishes_leaves_the_shard()
    {
        var owner = Owner();
        var a = NewJob(owner, T0);
        await Store.AcceptAsync([a], Cap);
        var shard = IntakeShards.Of(owner);
        await Store.MarkRunningAsync(shard, [(a.JobId, owner)]);

        Assert.True(await Store.WriteAsync(a.JobId, Write(a, "0-intake", "1-aaaa", JobStatus.Failed, expiresAt: DateTimeOffset.UtcNow.AddHours(1))));

        Assert.Empty(await Store.LoadShardAsync(shard));
    }

    // ---- Writes ----

    [Fact]
    public async Task A_write_lands_with_the_expected_tag_fails_with_a_stale_one_and_a_retry_of_a_landed_write_succeeds()
    {
        var owner = Owner();
        var job = NewJob(owner, T0);
        await Store.AcceptAsync([job], Cap);
        var write = Write(job, "0-intake", "1-aaaa", JobStatus.Processing);

        Assert.True(await Store.WriteAsync(job.JobId, write));
        Assert.Equal(("1-aaaa", Text(write.Data)), Unpack(await Store.ReadAsync(job.JobId)));

        // Another activation, still at the intake's tag: refused, nothing changes.
        var stale = Write(job, "0-intake", "1-bbbb", JobStatus.Processing, data: "stale"u8.ToArray());
        Assert.False(await Store.WriteAsync(job.JobId, stale));
        Assert.Equal(("1-aaaa", Text(write.Data)), Unpack(await Store.ReadAsync(job.JobId)));

        // The first write's answer was lost: its retry carries the same new tag and is recognised.
        Assert.True(await Store.WriteAsync(job.JobId, write));
        Assert.Equal(("1-aaaa", Text(write.Data)), Unpack(await Store.ReadAsync(job.JobId)));

        // Moving on from the current tag works; the tag before it no longer does.
        var next = Write(job, "1-aaaa", "2-aaaa", JobStatus.Processing, data: "second"u8.ToArray());
        Assert.True(await Store.WriteAsync(job.JobId, next));
        Assert.False(await Store.WriteAsync(job.JobId, Write(job, "1-aaaa", "2-bbbb", JobStatus.Processing)));
        Assert.Equal(("2-aaaa", Text(next.Data)), Unpack(await Store.ReadAsync(job.JobId)));
    }

    [Fact]
    public async Task A_write_updates_the_owner_index()
    {
        var owner = Owner();
        var job = NewJob(owner, T0, files: 2);
        await Store.AcceptAsync([job], Cap);
        var write = Write(job, "0-intake", "1-aaaa", JobStatus.Processing);

        await Store.WriteAsync(job.JobId, write);

        Assert.Equal(write.Summary, Assert.Single((await Store.ListAsync(owner, null, 10, null)).Jobs));
    }

    [Fact]
    public async Task A_write_of_an_unknown_job_needs_an_empty_expected_tag()
    {
        var owner = Owner();
        var job = NewJob(owner, T0);

        Assert.False(await Store.WriteAsync(job.JobId, Write(job, "0-intake", "1-aaaa", JobStatus.Processing)));
        Assert.Null(await Store.ReadAsync(job.JobId));

        var write = Write(job, "", "1-aaaa", JobStatus.Processing);
        Assert.True(await Store.WriteAsync(job.JobId, write));
        Assert.Equal(("1-aaaa", Text(write.Data)), Unpack(await Store.ReadAsync(job.JobId)));
        Assert.False(await Store.WriteAsync(job.JobId, Write(job, "", "1-bbbb", JobStatus.Processing)));
    }

    // ---- Finishing, expiry, deletion ----

    [Fact]
    public async Task A_terminal_write_leaves_the_shard_and_the_job_expires_once_its_retention_passed()
    {
        var owner = Owner();
        var shard = IntakeShards.Of(owner);
        var finished = NewJob(owner, T0);
        var retained = NewJob(owner, T0.AddMilliseconds(1));
        var running = NewJob(owner, T0.AddMilliseconds(2));
        await Store.AcceptAsync([finished, retained, running], Cap);
        var now = DateTimeOffset.UtcNow;
        var expiredAt = DateTimeOffset.FromUnixTimeMilliseconds(now.AddMinutes(-1).ToUnixTimeMilliseconds());

        Assert.True(await Store.WriteAsync(finished.JobId, Write(finished, "0-intake", "1-aaaa", JobStatus.Completed, expiresAt: expiredAt)));
        Assert.True(await Store.WriteAsync(retained.JobId, Write(retained, "0-intake", "1-aaaa", JobStatus.Cancelled, expiresAt: now.AddHours(1))));

        Assert.Equal([running.JobId], (await Store.LoadShardAsync(shard)).Select(j => j.JobId));
        Assert.Equal([new RetentionEndedJob(finished.JobId, owner)], await Store.RetentionEndedAsync(shard, now, 10));
        // Asking again answers the same until the job is deleted; later, the retained one is due too.
        Assert.Equal([new RetentionEndedJob(finished.JobId, owner)], await Store.RetentionEndedAsync(shard, now, 10));
        Assert.Equal([new RetentionEndedJob(finished.JobId, owner), new RetentionEndedJob(retained.JobId, owner)], await Store.RetentionEndedAsync(shard, now.AddHours(2), 10));
        Assert.Equal([new RetentionEndedJob(finished.JobId, owner)], await Store.RetentionEndedAsync(shard, now.AddHours(2), 1));
        // The owner still sees how they ended until then.
        var page = await Store.ListAsync(owner, null, 10, null);
        Assert.Equal([JobStatus.Queued, JobStatus.Cancelled, JobStatus.Completed], page.Jobs.Select(j => j.Status));
    }

    [Fact]
    public async Task Deleting_an_expired_job_removes_its_record_index_entry_and_expiry()
    {
        var owner = Owner();
        var shard = IntakeShards.Of(owner);
        var job = NewJob(owner, T0);
        var other = NewJob(owner, T0.AddMilliseconds(1));
        await Store.AcceptAsync([job, other], Cap);
        var now = DateTimeOffset.UtcNow;
        await Store.WriteAsync(job.JobId, Write(job, "0-intake", "1-aaaa", JobStatus.Completed, expiresAt: now.AddHours(1)));
        Assert.Single(await Store.RetentionEndedAsync(shard, now.AddHours(2), 10));

        await Store.DeleteAsync(job.JobId, owner);

        Assert.Null(await Store.ReadAsync(job.JobId));
        Assert.Empty(await Store.RetentionEndedAsync(shard, now.AddHours(2), 10));
        var page = await Store.ListAsync(owner, null, 10, null);
        Assert.Equal([other.JobId], page.Jobs.Select(j => j.JobId));
        Assert.Equal(1, page.Total);
        Assert.NotNull(await Store.ReadAsync(other.JobId));
    }

    [Fact]
    public async Task Deleting_an_unfinished_job_removes_it_from_its_shard_and_frees_its_slot()
    {
        var owner = Owner();
        var shard = IntakeShards.Of(owner);
        var job = NewJob(owner, T0);
        await Store.AcceptAsync([job], maxActivePerOwner: 1);
        await Store.MarkRunningAsync(shard, [(job.JobId, owner)]);

        await Store.DeleteAsync(job.JobId, owner);

        Assert.Null(await Store.ReadAsync(job.JobId));
        Assert.Empty(await Store.LoadShardAsync(shard));
        Assert.Equal(0, (await Store.ListAsync(owner, null, 10, null)).Total);
        var next = NewJob(owner, T0.AddMilliseconds(1));
        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, next.JobId)], await Store.AcceptAsync([next], maxActivePerOwner: 1));
        // Deleting again (a purge retried) changes nothing.
        await Store.DeleteAsync(job.JobId, owner);
        Assert.Equal([next.JobId], (await Store.LoadShardAsync(shard)).Select(j => j.JobId));
        Assert.Equal(AcceptStatus.OverCap, Assert.Single(await Store.AcceptAsync([NewJob(owner, T0.AddMilliseconds(2))], maxActivePerOwner: 1)).Status);
    }

    // ---- Listing ----

    [Fact]
    public async Task Listing_pages_newest_first_with_a_cursor_and_the_total()
    {
        var owner = Owner();
        var jobs = Enumerable.Range(0, 5).Select(i => NewJob(owner, T0.AddSeconds(i))).ToList();
        await Store.AcceptAsync(jobs, Cap);
        await Store.AcceptAsync([NewJob(Owner(), T0.AddSeconds(10))], Cap); // another owner's

        var first = await Store.ListAsync(owner, null, 2, null);
        var second = await Store.ListAsync(owner, null, 2, first.NextCursor);
        var third = await Store.ListAsync(owner, null, 2, second.NextCursor);

        Assert.Equal([jobs[4].JobId, jobs[3].JobId], first.Jobs.Select(j => j.JobId));
        Assert.Equal(jobs[3].JobId, first.NextCursor);
        Assert.Equal([jobs[2].JobId, jobs[1].JobId], second.Jobs.Select(j => j.JobId));
        Assert.Equal(jobs[1].JobId, second.NextCursor);
        Assert.Equal([jobs[0].JobId], third.Jobs.Select(j => j.JobId));
        Assert.Null(third.NextCursor);
        Assert.All(new[] { first, second, third }, p => Assert.Equal(5, p.Total));
        // Exactly one page's worth: no cursor to an empty page.
        Assert.Null((await Store.ListAsync(owner, null, 5, null)).NextCursor);
        Assert.Equal(0, (await Store.ListAsync(Owner(), null, 5, null)).Total);
    }

    [Fact]
    public async Task Listing_filters_by_status_with_its_own_total_and_pages()
    {
        var owner = Owner();
        var jobs = Enumerable.Range(0, 5).Select(i => NewJob(owner, T0.AddSeconds(i))).ToList();
        await Store.AcceptAsync(jobs, Cap);
        foreach (var done in new[] { jobs[1], jobs[3] })
        {
            Assert.True(await Store.WriteAsync(done.JobId, Write(done, "0-intake", "1-aaaa", JobStatus.Completed, expiresAt: DateTimeOffset.UtcNow.AddHours(1))));
        }

        var completed = await Store.ListAsync(owner, JobStatus.Completed, 10, null);
        var queued = await Store.ListAsync(owner, JobStatus.Queued, 10, null);
        var firstQueued = await Store.ListAsync(owner, JobStatus.Queued, 1, null);
        var nextQueued = await Store.ListAsync(owner, JobStatus.Queued, 1, firstQueued.NextCursor);

        Assert.Equal([jobs[3].JobId, jobs[1].JobId], completed.Jobs.Select(j => j.JobId));
        Assert.Equal(2, completed.Total);
        Assert.Equal([jobs[4].JobId, jobs[2].JobId, jobs[0].JobId], queued.Jobs.Select(j => j.JobId));
        Assert.Equal(3, queued.Total);
        Assert.Equal([jobs[4].JobId], firstQueued.Jobs.Select(j => j.JobId));
        Assert.Equal([jobs[2].JobId], nextQueued.Jobs.Select(j => j.JobId));
        Assert.Equal(3, nextQueued.Total);
        Assert.Empty((await Store.ListAsync(owner, JobStatus.Failed, 10, null)).Jobs);
    }

    [Fact]
    public async Task Jobs_accepted_within_one_millisecond_all_appear_across_pages()
    {
        // As the intake creates them: the id (version 7) from one clock read, CreatedAt from the next,
        // a fraction of a millisecond later. Two jobs of one owner accepted in the same millisecond.
        var owner = Owner();
        var a = NewJob(owner, T0) with { CreatedAt = T0.AddTicks(2_000) };
        var b = NewJob(owner, T0) with { CreatedAt = T0.AddTicks(6_000) };
        await Store.AcceptAsync([a, b], Cap);

        var first = await Store.ListAsync(owner, null, 1, null);
        var second = await Store.ListAsync(owner, null, 1, first.NextCursor);

        Assert.NotNull(first.NextCursor);
        Assert.Equal(new[] { a.JobId, b.JobId }.Order(), first.Jobs.Concat(second.Jobs).Select(j => j.JobId).Order());
    }

    // ---- Helpers ----

    protected static string Owner() => $"owner-{Guid.NewGuid():N}";

    protected static NewJob NewJob(string owner, DateTimeOffset createdAt, int files = 1, string? key = null, string? hash = null)
    {
        var id = Guid.CreateVersion7(createdAt);
        return new NewJob(id, owner, Encoding.UTF8.GetBytes($"record of {id}"), files, createdAt, key, hash);
    }

    protected static JobWrite Write(NewJob job, string expected, string next, JobStatus status, DateTimeOffset? expiresAt = null, byte[]? data = null) => new()
    {
        ExpectedETag = expected,
        NewETag = next,
        Data = data ?? Encoding.UTF8.GetBytes($"{status} at {next}"),
        Owner = job.Owner,
        Summary = new JobSummary
        {
            JobId = job.JobId,
            Status = status,
            FilesTotal = job.FilesTotal,
            CreatedAt = job.CreatedAt,
            UpdatedAt = job.CreatedAt.AddSeconds(5),
        },
        RetainedUntil = expiresAt,
    };

    /// <summary>The stored tag and data, comparable by value (the data as text: every record here is UTF-8).</summary>
    private static (string ETag, string Data) Unpack(StoredJob? stored)
    {
        Assert.NotNull(stored);
        return (stored.ETag, Encoding.UTF8.GetString(stored.Data));
    }

    private static string Text(byte[] data) => Encoding.UTF8.GetString(data);
}

/// <summary>The contract against embedded mode's store.</summary>
public sealed class InMemoryJobStoreContractTests : JobStoreContractTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private readonly InMemoryJobStore _store;

    public InMemoryJobStoreContractTests()
    {
        _store = new InMemoryJobStore(_time);
    }

    protected override IJobStore Store => _store;

    [Fact]
    public async Task An_idempotency_record_is_forgotten_once_its_retention_has_passed()
    {
        var owner = Owner();
        var first = NewJob(owner, T0, key: "key-r", hash: "body");
        await Store.AcceptAsync([first], Cap);
        _time.Advance(RedisJobStore.IdempotencyRetention - TimeSpan.FromMinutes(1));
        Assert.Equal(1, _store.Held().Keys);

        _time.Advance(TimeSpan.FromMinutes(2));
        var later = NewJob(owner, T0.AddMilliseconds(1), key: "key-r", hash: "other body");

        Assert.Equal([new AcceptOutcome(AcceptStatus.Created, later.JobId)], await Store.AcceptAsync([later], Cap));
        // Only the new job's record is held: the old one was dropped, not just ignored.
        Assert.Equal(1, _store.Held().Keys);
    }

    [Fact]
    public async Task An_owner_whose_jobs_all_expired_leaves_no_index_nor_count_behind()
    {
        var owner = Owner();
        var jobs = new[] { NewJob(owner, T0), NewJob(owner, T0.AddMilliseconds(1)) };
        await Store.AcceptAsync(jobs, Cap);
        foreach (var job in jobs)
        {
            Assert.True(await Store.WriteAsync(job.JobId, Write(job, "0-intake", "1-aaaa", JobStatus.Completed, expiresAt: DateTimeOffset.UtcNow)));
        }
        Assert.Equal((0, 1, 0, 0), _store.Held());

        foreach (var job in jobs)
        {
            await Store.DeleteAsync(job.JobId, owner);
        }

        Assert.Equal((0, 0, 0, 0), _store.Held());
    }
}

/// <summary>
/// The contract against clustered mode's store on a real redis-server (each test under a service id
/// of its own), and the record layout it shares with Orleans' stock Redis grain storage.
/// </summary>
public sealed class RedisJobStoreContractTests : JobStoreContractTests, IClassFixture<RedisFixture>
{
    private readonly RedisFixture _redis;
    private readonly string _serviceId = $"contract-{Guid.NewGuid():N}";
    private readonly RedisJobStore _store;

    public RedisJobStoreContractTests(RedisFixture redis)
    {
        _redis = redis;
        _store = new RedisJobStore(() => Task.FromResult(redis.Connection), _serviceId);
    }

    protected override IJobStore Store => _store;

    private IDatabase Db => _redis.Connection.GetDatabase();

    [Fact]
    public void The_job_grain_id_is_the_grain_type_and_the_guid_in_N_format()
    {
        var jobId = Guid.CreateVersion7();

        var grainId = GrainId.Create("downloadjob", jobId.ToString("N"));

        Assert.Equal($"downloadjob/{jobId:N}", grainId.ToString());
        Assert.True(grainId.TryGetGuidKey(out var parsed, out var extension));
        Assert.Equal((jobId, (string?)null), (parsed, extension));
    }

    [Fact]
    public void The_record_key_is_the_key_orleans_redis_storage_gives_the_job_grain_state()
    {
        // Orleans' RedisGrainStorage.DefaultGetStorageKey is "{ServiceId}/state/{grainId}/{grainType}",
        // where the "grain type" it is handed is the state name ([PersistentState("job", "jobs")]).
        // "{ServiceId}/state/{grainId}" is the UseGetRedisKeyIgnoringGrainType() layout, which the build
        // before the job store did not configure (AddRedisGrainStorage("jobs", RedisState)).
        var jobId = Guid.CreateVersion7();
        var grainId = GrainId.Create("downloadjob", jobId.ToString("N"));

        Assert.Equal($"{_serviceId}/state/{grainId}/{DownloadJobGrain.StateName}", _store.RecordKey(jobId));
    }

    [Fact]
    public async Task An_owner_whose_jobs_all_expired_leaves_no_index_count_nor_cluster_total_behind()
    {
        var owner = Owner();
        var shard = IntakeShards.Of(owner);
        var tag = $"{{{_serviceId}:intake:{shard}}}";
        var jobs = new[] { NewJob(owner, T0), NewJob(owner, T0.AddMilliseconds(1)) };
        await Store.AcceptAsync(jobs, Cap);
        Assert.Equal(2, (long)await Db.StringGetAsync(_store.ActiveTotalKey));
        Assert.Equal(2, (long)await Db.HashGetAsync(tag + ":active", owner));

        foreach (var job in jobs)
        {
            Assert.True(await Store.WriteAsync(job.JobId, Write(job, "0-intake", "1-aaaa", JobStatus.Completed, expiresAt: DateTimeOffset.UtcNow.AddSeconds(30))));
        }
        Assert.False(await Db.KeyExistsAsync(_store.ActiveTotalKey));
        Assert.False(await Db.HashExistsAsync(tag + ":active", owner));
        Assert.True(await Db.KeyExistsAsync(tag + ":owner:" + owner));

        foreach (var job in jobs)
        {
            await Store.DeleteAsync(job.JobId, owner);
        }

        Assert.False(await Db.KeyExistsAsync(tag + ":owner:" + owner));
        Assert.False(await Db.KeyExistsAsync(tag + ":expiring"));
        Assert.False(await Db.KeyExistsAsync(tag + ":pending"));
    }

    [Fact]
    public async Task An_idempotency_record_expires_after_its_retention_and_none_is_written_for_a_refused_job()
    {
        var owner = Owner();
        var tag = $"{{{_serviceId}:intake:{IntakeShards.Of(owner)}}}";
        var stored = NewJob(owner, T0, key: "key-t", hash: "body");
        var refused = NewJob(owner, T0.AddMilliseconds(1), key: "key-u", hash: "body");

        Assert.Equal([AcceptStatus.Created, AcceptStatus.OverCap], (await Store.AcceptAsync([stored, refused], maxActivePerOwner: 1)).Select(o => o.Status));

        var ttl = await Db.KeyTimeToLiveAsync($"{tag}:idem:{owner.Length}:{owner}/key-t");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, RedisJobStore.IdempotencyRetention - TimeSpan.FromMinutes(1), RedisJobStore.IdempotencyRetention);
        Assert.False(await Db.KeyExistsAsync($"{tag}:idem:{owner.Length}:{owner}/key-u"));
    }

    [Fact]
    public async Task A_hash_with_the_fields_of_orleans_redis_storage_at_the_record_key_reads_back()
    {
        var jobId = Guid.CreateVersion7();
        var data = "a record written before the job store"u8.ToArray();
        await Db.HashSetAsync(_store.RecordKey(jobId), [new HashEntry("etag", "7f3c9a01"), new HashEntry("data", data)]);

        var stored = await Store.ReadAsync(jobId);

        Assert.NotNull(stored);
        Assert.Equal("7f3c9a01", stored.ETag);
        Assert.Equal(data, stored.Data);
    }

    [Fact]
    public async Task A_record_the_stock_orleans_redis_storage_wrote_for_the_job_grain_reads_back()
    {
        // The build before the job store kept job state with AddRedisGrainStorage("jobs") and its default
        // key, under the grain's state name "job". RedisJobStore promises those records still read.
        await using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var options = new RedisStorageOptions
        {
            ConfigurationOptions = ConfigurationOptions.Parse($"127.0.0.1:{_redis.Port}"),
            DeleteStateOnClear = true,
            GrainStorageSerializer = new BinaryGrainStateSerializer(serializer, null),
        };
        var stock = new RedisGrainStorage(DownloadJobGrain.StorageName, options, options.GrainStorageSerializer,
            Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ServiceId = _serviceId, ClusterId = "contract" }),
            services.GetRequiredService<IActivatorProvider>(), NullLogger<RedisGrainStorage>.Instance);
        var lifecycle = new StartingLifecycle();
        stock.Participate(lifecycle);
        await lifecycle.StartAsync();
        var jobId = Guid.CreateVersion7();
        var grainId = GrainId.Create("downloadjob", jobId.ToString("N"));
        var state = new GrainState<DownloadJobState>(new DownloadJobState { Owner = "alice", Status = JobStatus.Completed, Seq = 4 });
        await stock.WriteStateAsync(DownloadJobGrain.StateName, grainId, state);
        var written = (await _redis.Connection.GetServer($"127.0.0.1:{_redis.Port}").KeysAsync(pattern: $"{_serviceId}/*").ToListAsync()).Select(k => (string)k!).ToList();

        var stored = await Store.ReadAsync(jobId);

        Assert.True(stored is not null,
            $"RedisJobStore reads {_store.RecordKey(jobId)}; Orleans' Redis grain storage wrote {string.Join(", ", written)}");
        Assert.Equal(state.ETag, stored.ETag);
        var read = new JobStateCodec(serializer).Decode(stored.Data);
        Assert.Equal(("alice", JobStatus.Completed, 4L), (read.Owner, read.Status, read.Seq));
    }

    /// <summary>Just enough silo lifecycle to start a storage provider outside a silo.</summary>
    private sealed class StartingLifecycle : ISiloLifecycle
    {
        private readonly List<(int Stage, ILifecycleObserver Observer)> _observers = [];

        public int HighestCompletedStage { get; private set; }

        public int LowestStoppedStage { get; private set; }

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add((stage, observer));
            return new Unsubscriber();
        }

        public async Task StartAsync()
        {
            foreach (var (stage, observer) in _observers.OrderBy(o => o.Stage))
            {
                await observer.OnStart(CancellationToken.None);
                HighestCompletedStage = stage;
            }
        }

        private sealed class Unsubscriber : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
