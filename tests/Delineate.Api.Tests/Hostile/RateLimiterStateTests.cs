using System.Net;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Owners;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 6 of issue 13: the limiter's per-partition state (window starts, for <c>RateLimit-Reset</c>)
/// is pruned once a window has ended, so addresses seen once do not pile up. A unit test of
/// <see cref="GatewayRateLimiter"/> on a fake clock: a black-box test cannot see the dictionary.
/// </summary>
public sealed class RateLimiterStateTests
{
    [Fact]
    public void Window_starts_of_ended_windows_are_dropped()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new GatewayOptions { RateLimitWindowMs = 1_000, RateLimitMaxRequests = 10 });
        var time = new FakeTimeProvider();
        using var limiter = new GatewayRateLimiter(options, new Owner(options), time);
        for (var i = 0; i < 1_000; i++)
        {
            Permit(limiter, new IPAddress([10, 0, (byte)(i / 256), (byte)(i % 256)]));
        }

        Assert.Equal(1_000, limiter.TrackedPartitions);

        time.Advance(TimeSpan.FromSeconds(2));
        Permit(limiter, IPAddress.Parse("10.1.0.1"));
        Assert.Equal(1, limiter.TrackedPartitions);
    }

    private static void Permit(GatewayRateLimiter limiter, IPAddress address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = address;
        context.Request.Path = "/v1/download/jobs";
        using var lease = limiter.Limiter.AttemptAcquire(context);
        Assert.True(lease.IsAcquired, $"{address} should get a permit");
        limiter.OnPermitted(context);
    }
}
