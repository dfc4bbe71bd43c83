using Delineate.Abstractions;
using Delineate.Gateway.Progress;
using Microsoft.Extensions.Time.Testing;

namespace Delineate.Api.Tests;

/// <summary>
/// Quiet progress streams check their job through one shared poll per job on a gateway: however many
/// connections ask within an interval, the job's grain is asked once (a header, which signs no link).
/// </summary>
public sealed class JobStatusPollerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly Dictionary<Guid, int> _headerCalls = [];
    private readonly Dictionary<Guid, int> _snapshotCalls = [];
    private readonly JobStatusPoller _poller;

    public JobStatusPollerTests()
    {
        _poller = new JobStatusPoller(
            id =>
            {
                lock (_headerCalls)
                {
                    _headerCalls[id] = _headerCalls.GetValueOrDefault(id) + 1;
                }
                return Task.FromResult<JobHeader?>(new JobHeader { JobId = id, Owner = "o", Seq = 1, Status = JobStatus.Processing });
            },
            id =>
            {
                lock (_snapshotCalls)
                {
                    _snapshotCalls[id] = _snapshotCalls.GetValueOrDefault(id) + 1;
                }
                return Task.FromResult<JobSnapshot?>(null);
            },
            _time);
    }

    [Fact]
    public async Task Three_hundred_followers_of_one_job_cost_one_header_per_interval()
    {
        var job = Guid.CreateVersion7();
        var other = Guid.CreateVersion7();

        var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(_ => Task.Run(() => _poller.HeaderAsync(job))));
        await _poller.HeaderAsync(other);

        Assert.All(answers, a => Assert.Equal(job, a!.JobId));
        Assert.Equal(1, _headerCalls[job]);
        Assert.Equal(1, _headerCalls[other]);

        _time.Advance(JobStatusPoller.Interval - TimeSpan.FromMilliseconds(1));
        await _poller.HeaderAsync(job);
        Assert.Equal(1, _headerCalls[job]);
        _time.Advance(TimeSpan.FromMilliseconds(2));
        await _poller.HeaderAsync(job);

        Assert.Equal(2, _headerCalls[job]);
        Assert.False(_snapshotCalls.ContainsKey(job), "a header check signs no link: the snapshot is not asked for");
    }

    [Fact]
    public async Task Answers_of_jobs_nobody_follows_any_more_are_dropped()
    {
        foreach (var _ in Enumerable.Range(0, 50))
        {
            await _poller.HeaderAsync(Guid.CreateVersion7());
        }
        Assert.Equal(50, _poller.Held);

        _time.Advance(JobStatusPoller.Interval * 5);
        await _poller.HeaderAsync(Guid.CreateVersion7());

        Assert.Equal(1, _poller.Held);
    }
}
