using Delineate.Gateway.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delineate.Api.Tests;

/// <summary>
/// Unit tests of the gateway's "cluster unavailable" classification. Regression for drill bug 3b:
/// "Message expired before placement could complete for grain …" (an OperationCanceledException
/// Orleans throws while a silo is dead or starved) answered 500 instead of 503 + Retry-After.
/// </summary>
public sealed class ClusterUnavailableTests
{
    private const string PlacementExpired = "Message expired before placement could complete for grain downloadjob/0198d3a1";

    [Fact]
    public void Placement_that_expired_is_unavailable()
    {
        Assert.True(ClusterUnavailableHandler.IsUnavailable(new OperationCanceledException(PlacementExpired)));
        Assert.True(ClusterUnavailableHandler.IsUnavailable(new InvalidOperationException("wrapped", new TaskCanceledException(PlacementExpired))));
    }

    [Fact]
    public void Programming_errors_are_not_unavailable()
    {
        Assert.False(ClusterUnavailableHandler.IsUnavailable(new NullReferenceException()));
        Assert.False(ClusterUnavailableHandler.IsUnavailable(new InvalidOperationException("Sequence contains no elements")));
        Assert.False(ClusterUnavailableHandler.IsUnavailable(new OperationCanceledException()));
    }

    [Fact]
    public async Task A_cancellation_the_client_did_not_ask_for_answers_503_with_retry_after()
    {
        var (handler, context) = Create();

        Assert.True(await handler.TryHandleAsync(context, new OperationCanceledException(), CancellationToken.None));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("2", context.Response.Headers.RetryAfter.ToString());
        Assert.Equal("application/problem+json", context.Response.ContentType);
    }

    [Fact]
    public async Task A_cancellation_by_the_client_is_left_alone()
    {
        var (handler, context) = Create();
        using var aborted = new CancellationTokenSource();
        await aborted.CancelAsync();
        context.RequestAborted = aborted.Token;

        Assert.False(await handler.TryHandleAsync(context, new OperationCanceledException(aborted.Token), CancellationToken.None));
    }

    private static (ClusterUnavailableHandler Handler, DefaultHttpContext Context) Create()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new ClusterUnavailableHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<ClusterUnavailableHandler>.Instance);
        return (handler, context);
    }
}
