using System.Threading.RateLimiting;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Owners;

/// <summary>
/// In <c>Auth:Mode</c> none the owner is whatever <c>X-User-Id</c> says, so the per-owner cap does not
/// hold one client back: jobs are also limited per client address, <c>MAX_JOBS_PER_ADDRESS_PER_MINUTE</c>
/// in a fixed window. The partitioned limiter drops the state of addresses that went idle. In apikey
/// mode owners are real and the limit does not apply.
/// </summary>
public sealed class JobCreationLimiter : IDisposable
{
    private readonly bool _enabled;
    private readonly PartitionedRateLimiter<string> _limiter;

    public JobCreationLimiter(IOptions<GatewayOptions> options)
    {
        var o = options.Value;
        _enabled = !o.RequiresApiKey;
        _limiter = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = o.MaxJobsPerAddressPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one job creation for the request's address; the problem to answer when it is over its limit.</summary>
    public ProblemHttpResult? TryCreate(HttpContext context)
    {
        if (!_enabled)
        {
            return null;
        }
        using var lease = _limiter.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (lease.IsAcquired)
        {
            return null;
        }
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        return Problems.TooMany(context, "Too many new jobs",
            "This address created the most jobs allowed per minute (MAX_JOBS_PER_ADDRESS_PER_MINUTE); try again later.", retryAfter);
    }

    public void Dispose() => _limiter.Dispose();
}
