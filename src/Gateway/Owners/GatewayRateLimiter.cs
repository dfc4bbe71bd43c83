using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Jobs;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Owners;

/// <summary>
/// ASP.NET Core's fixed-window limiter, partitioned by owner (API key mode) or client address:
/// <c>RATE_LIMIT_MAX_REQUESTS</c> per <c>RATE_LIMIT_WINDOW_MS</c>. It also answers what the
/// <c>RateLimit-*</c> headers of a response should say.
/// </summary>
public sealed class GatewayRateLimiter : IDisposable
{
    private readonly GatewayOptions _options;
    private readonly Owner _owner;
    private readonly TimeProvider _time;
    // Start of each partition's current window, for RateLimit-Reset. Entries whose window ended
    // are dropped once per window, so one entry per address ever seen cannot pile up.
    private readonly ConcurrentDictionary<string, long> _windowStarts = new();
    private long _nextPrune;

    public GatewayRateLimiter(IOptions<GatewayOptions> options, Owner owner, TimeProvider time)
    {
        _options = options.Value;
        _owner = owner;
        _time = time;
        _nextPrune = time.GetTimestamp();
        Limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            IsExempt(context)
                ? RateLimitPartition.GetNoLimiter("")
                : RateLimitPartition.GetFixedWindowLimiter(PartitionOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = _options.RateLimitMaxRequests,
                    Window = _options.RateLimitWindow,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
    }

    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    /// <summary>Health and metrics are never limited.</summary>
    public static bool IsExempt(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics");

    /// <summary>Sets <c>RateLimit-Limit</c>, <c>-Remaining</c> and <c>-Reset</c> (seconds) for this request's partition.</summary>
    public void WriteHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers["RateLimit-Limit"] = _options.RateLimitMaxRequests.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = Remaining(context).ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = SecondsToReset(context).ToString(CultureInfo.InvariantCulture);
    }

    public int SecondsToReset(HttpContext context)
    {
        var window = _options.RateLimitWindow;
        var start = _windowStarts.TryGetValue(PartitionOf(context), out var s) ? s : _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(start);
        var left = window - TimeSpan.FromTicks(elapsed.Ticks % window.Ticks);
        return Math.Max(1, (int)Math.Ceiling(left.TotalSeconds));
    }

    /// <summary>Called after a permit was granted: the first permit of a window marks its start.</summary>
    public void OnPermitted(HttpContext context)
    {
        if (IsExempt(context))
        {
            return;
        }
        var key = PartitionOf(context);
        if (Remaining(context) == _options.RateLimitMaxRequests - 1 || !_windowStarts.ContainsKey(key))
        {
            _windowStarts[key] = _time.GetTimestamp();
        }
        PruneEndedWindows();
    }

    /// <summary>How many partitions have a window start recorded (bounded by the addresses active in about two windows).</summary>
    public int TrackedPartitions => _windowStarts.Count;

    private void PruneEndedWindows()
    {
        var now = _time.GetTimestamp();
        var due = Interlocked.Read(ref _nextPrune);
        if (now < due || Interlocked.CompareExchange(ref _nextPrune, now + WindowInTimestampTicks(), due) != due)
        {
            return;
        }
        foreach (var (key, start) in _windowStarts)
        {
            // An ended window: the partition's next permit starts a new one and records it again.
            if (_time.GetElapsedTime(start) > _options.RateLimitWindow)
            {
                _windowStarts.TryRemove(new KeyValuePair<string, long>(key, start));
            }
        }
    }

    private long WindowInTimestampTicks() =>
        (long)(_options.RateLimitWindow.TotalSeconds * _time.TimestampFrequency);

    private int Remaining(HttpContext context) =>
        IsExempt(context)
            ? _options.RateLimitMaxRequests
            : (int)Math.Max(0, Limiter.GetStatistics(context)?.CurrentAvailablePermits ?? _options.RateLimitMaxRequests);

    private string PartitionOf(HttpContext context)
    {
        if (_options.RequiresApiKey && _owner.Resolve(context) is { } owner)
        {
            return "owner:" + owner;
        }
        return "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    public void Dispose() => Limiter.Dispose();
}
