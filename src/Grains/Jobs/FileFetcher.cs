using Delineate.Abstractions;
using Delineate.Grains.Options;
using Delineate.Grains.Resilience;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Polly.Timeout;

namespace Delineate.Grains.Jobs;

/// <summary>
/// Fetches one file: the simulated source latency, then a lookup in the file source, retried with
/// exponential backoff and jitter on transient failures
/// (<see cref="ResiliencePipelines.FileFetch"/>). Missing is a result, not an error.
/// </summary>
public sealed class FileFetcher
{
    private readonly IFileSource _source;
    private readonly SiloWorkLimiter _limiter;
    private readonly JobOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FileFetcher> _logger;
    private readonly ResiliencePipeline _pipeline;

    public FileFetcher(IFileSource source, SiloWorkLimiter limiter, IOptions<JobOptions> options, TimeProvider time, ResiliencePipelineProvider<string> pipelines, ILogger<FileFetcher> logger)
    {
        _source = source;
        _limiter = limiter;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _pipeline = pipelines.GetPipeline(ResiliencePipelines.FileFetch);
    }

    public async Task<FetchOutcome> FetchAsync(int fileId, CancellationToken cancellationToken)
    {
        using var slot = await _limiter.AcquireAsync(cancellationToken);
        await SimulateLatencyAsync(cancellationToken);
        var attempts = 0;
        try
        {
            var file = await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                return await _source.LookupAsync(fileId, token);
            }, cancellationToken);
            return file is null
                ? new FetchOutcome(FileStatus.Missing, attempts, null, null)
                : new FetchOutcome(FileStatus.Ready, attempts, file, null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "File {FileId} failed after {Attempts} attempts", fileId, attempts);
            return new FetchOutcome(FileStatus.Failed, attempts, null, Describe(ex));
        }
    }

    private Task SimulateLatencyAsync(CancellationToken cancellationToken)
    {
        if (!_options.DownloadDelayEnabled || _options.DownloadDelayMaxMs == 0)
        {
            return Task.CompletedTask;
        }
        var delay = Random.Shared.Next(_options.DownloadDelayMinMs, _options.DownloadDelayMaxMs + 1);
        return Task.Delay(TimeSpan.FromMilliseconds(delay), _time, cancellationToken);
    }

    /// <summary>A short reason for the client; never a stack trace.</summary>
    private static string Describe(Exception exception) => exception switch
    {
        TimeoutRejectedException => "source timed out",
        _ when TransientErrors.IsTransient(exception) => $"source unavailable ({exception.GetType().Name})",
        _ => $"source error ({exception.GetType().Name})",
    };
}
