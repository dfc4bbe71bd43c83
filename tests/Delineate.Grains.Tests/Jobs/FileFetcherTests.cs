using System.Net.Sockets;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.Synthetic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Delineate.Grains.Tests.Jobs;

public sealed class FileFetcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FaultInjectingFileSource _source = new FaultInjectingFileSource().Wrap(new SyntheticFileSource(
        new BlobUrlSigner(Microsoft.Extensions.Options.Options.Create(new StorageOptions { BlobSigningKey = "grain-tests-signing-key-0123456789" }), TimeProvider.System)));

    [Fact]
    public async Task A_file_found_at_once_is_ready_after_one_attempt()
    {
        var outcome = await Fetcher().FetchAsync(70_000, CancellationToken.None);

        Assert.Equal(new FetchOutcome(FileStatus.Ready, 1, new SourceFile(70_000, StorageKeys.Source(70_000), SyntheticCatalogue.SizeOf(70_000)), null), outcome);
    }

    [Fact]
    public async Task A_missing_file_is_a_result_not_an_error()
    {
        var outcome = await Fetcher().FetchAsync(70_001, CancellationToken.None);

        Assert.Equal(new FetchOutcome(FileStatus.Missing, 1, null, null), outcome);
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_the_lookup_succeeds()
    {
        _source.FailTransiently(70_007, times: 2, () => new SocketException((int)SocketError.ConnectionRefused));

        var outcome = await Fetcher().FetchAsync(70_007, CancellationToken.None);

        Assert.Equal((FileStatus.Ready, 3), (outcome.Status, outcome.Attempts));
        Assert.Equal(3, _source.LookupsOf(70_007));
    }

    [Fact]
    public async Task A_file_failing_every_attempt_fails_with_a_short_reason()
    {
        _source.FailAlways(70_014, () => new TransientStorageException("injected: bucket on fire"));

        var outcome = await Fetcher(maxAttempts: 4).FetchAsync(70_014, CancellationToken.None);

        Assert.Equal(new FetchOutcome(FileStatus.Failed, 4, null, "source unavailable (TransientStorageException)"), outcome);
        Assert.Equal(4, _source.LookupsOf(70_014));
    }

    [Fact]
    public async Task A_non_transient_error_is_not_retried_and_its_message_stays_inside()
    {
        _source.FailAlways(70_021, () => new UnauthorizedAccessException("injected: secret credentials"));

        var outcome = await Fetcher().FetchAsync(70_021, CancellationToken.None);

        Assert.Equal(new FetchOutcome(FileStatus.Failed, 1, null, "source error (UnauthorizedAccessException)"), outcome);
    }

    [Fact]
    public async Task With_one_attempt_allowed_a_transient_failure_is_final()
    {
        _source.FailTransiently(70_028, times: 1);

        var outcome = await Fetcher(maxAttempts: 1).FetchAsync(70_028, CancellationToken.None);

        Assert.Equal((FileStatus.Failed, 1), (outcome.Status, outcome.Attempts));
    }

    [Fact]
    public async Task A_lookup_slower_than_the_fetch_timeout_is_cut_off_and_retried()
    {
        var lookups = _source.BlockLookups([70_035]);

        var outcome = await Fetcher(settings: new() { ["JOB_FETCH_TIMEOUT_MS"] = "100" }).FetchAsync(70_035, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(new FetchOutcome(FileStatus.Failed, 3, null, "source timed out"), outcome);
        await lookups.WhenCancelled(3).WaitAsync(Timeout);
        Assert.Equal(0, lookups.InFlight);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_a_failed_file_and_frees_the_silo_slot()
    {
        var lookups = _source.BlockLookups([70_042]);
        var limiter = Limiter(siloConcurrency: 1);
        using var cancel = new CancellationTokenSource();
        var fetch = Fetcher(limiter: limiter).FetchAsync(70_042, cancel.Token);
        await lookups.WhenStarted(1).WaitAsync(Timeout);
        Assert.Equal(0, limiter.Available);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch.WaitAsync(Timeout));
        Assert.Equal(1, _source.LookupsOf(70_042));
        Assert.Equal(1, limiter.Available);
    }

    [Fact]
    public async Task The_simulated_latency_comes_first_and_honours_cancellation()
    {
        var time = new FakeTimeProvider();
        var delayed = new Dictionary<string, string?> { ["DOWNLOAD_DELAY_ENABLED"] = "true", ["DOWNLOAD_DELAY_MIN_MS"] = "1000", ["DOWNLOAD_DELAY_MAX_MS"] = "1000" };
        var fetcher = Fetcher(settings: delayed, time: time);

        var fetch = fetcher.FetchAsync(70_049, CancellationToken.None);
        Assert.Equal(0, _source.LookupsOf(70_049));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(FileStatus.Ready, (await fetch.WaitAsync(Timeout)).Status);

        using var cancel = new CancellationTokenSource();
        var cancelled = fetcher.FetchAsync(70_056, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        Assert.Equal(0, _source.LookupsOf(70_056));
    }

    private FileFetcher Fetcher(int maxAttempts = 3, Dictionary<string, string?>? settings = null, SiloWorkLimiter? limiter = null, TimeProvider? time = null)
    {
        var options = JobOptionsFrom(new Dictionary<string, string?>(settings ?? [])
        {
            ["JOB_MAX_ATTEMPTS"] = maxAttempts.ToString(),
            ["JOB_RETRY_BASE_DELAY_MS"] = "1",
            ["DOWNLOAD_DELAY_ENABLED"] = settings?.GetValueOrDefault("DOWNLOAD_DELAY_ENABLED") ?? "false",
        });
        time ??= TimeProvider.System;
        return new FileFetcher(_source, limiter ?? Limiter(16), Microsoft.Extensions.Options.Options.Create(options), time,
            TestResilience.Provider(options, time), NullLogger<FileFetcher>.Instance);
    }

    private static SiloWorkLimiter Limiter(int siloConcurrency) =>
        new(Microsoft.Extensions.Options.Options.Create(new JobOptions { SiloConcurrency = siloConcurrency }));

    private static JobOptions JobOptionsFrom(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Get<JobOptions>()!;
}
