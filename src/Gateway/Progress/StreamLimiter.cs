using System.Threading.RateLimiting;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Owners;
using Microsoft.AspNetCore.Http.HttpResults;
using Delineate.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Concurrent progress streams (WebSocket and SSE together) on this gateway: at most
/// <c>MAX_STREAMS_PER_OWNER</c> per owner and <c>MAX_STREAMS_PER_ADDRESS</c> per client address.
/// A stream holds its lease until it ends; a request over either limit is refused before the upgrade.
/// Both are concurrency limiters of System.Threading.RateLimiting, chained, so a refusal by one
/// gives back what the other granted.
/// </summary>
public sealed class StreamLimiter : IDisposable
{
    /// <summary>Seconds a refused client is told to wait: about how long a short job streams.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly PartitionedRateLimiter<HttpContext> _byOwner;
    private readonly PartitionedRateLimiter<HttpContext> _byAddress;
    private readonly PartitionedRateLimiter<HttpContext> _limiter;

    public StreamLimiter(IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        _byOwner = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetConcurrencyLimiter(Owner.Of(context), _ => new ConcurrencyLimiterOptions { PermitLimit = o.MaxStreamsPerOwner, QueueLimit = 0 }));
        _byAddress = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetConcurrencyLimiter(AddressOf(context), _ => new ConcurrencyLimiterOptions { PermitLimit = o.MaxStreamsPerAddress, QueueLimit = 0 }));
        _limiter = PartitionedRateLimiter.CreateChained(_byOwner, _byAddress);
    }

    /// <summary>The lease the stream holds until it ends, or null and the problem (429, Retry-After) to answer.</summary>
    public (RateLimitLease? Lease, ProblemHttpResult? Problem) TryOpen(HttpContext context)
    {
        var lease = _limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return (lease, null);
        }
        lease.Dispose();
        return (null, Problems.TooMany(context, "Too many open streams",
            "This owner or address already has the most progress streams allowed (MAX_STREAMS_PER_OWNER, MAX_STREAMS_PER_ADDRESS); close one or poll the status URL.",
            RetryAfter));
    }

    private static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose()
    {
        _limiter.Dispose();
        _byOwner.Dispose();
        _byAddress.Dispose();
    }
}
