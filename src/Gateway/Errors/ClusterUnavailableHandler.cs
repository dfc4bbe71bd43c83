using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime;

namespace Delineate.Gateway.Errors;

/// <summary>
/// The cluster being unreachable (no silo yet, a silo just died, a call timed out) is a 503 with
/// Retry-After, not a 500: the client did nothing wrong and a retry will likely succeed.
/// </summary>
public sealed class ClusterUnavailableHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var unavailable = IsUnavailable(exception)
            // A cancellation the client did not ask for came from the cluster (a call that expired
            // while a silo was dead or starved), never from the request.
            || (exception is OperationCanceledException && !context.RequestAborted.IsCancellationRequested);
        if (!unavailable || context.Response.HasStarted)
        {
            return false;
        }
        logger.LogWarning("Cluster unavailable for {Path}: {Reason}", context.Request.Path, exception.GetType().Name);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "2";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = "The job cluster is not reachable right now; retry shortly.",
            },
        });
    }

    public static bool IsUnavailable(Exception? exception) => exception switch
    {
        null => false,
        Delineate.Grains.Intake.StoreUnavailableException => true,
        SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException => true,
        // Redis (membership, grain state, reminders) down or restarting, however Orleans wraps it.
        StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException => true,
        Orleans.Storage.InconsistentStateException => false,
        // "Message expired before placement could complete for grain …": the grain's silo died or stalled.
        OperationCanceledException { Message: var m } when m.Contains("expired", StringComparison.OrdinalIgnoreCase) => true,
        // A grain could not read or write its state (Redis down): Orleans flattens the cause into the message.
        OrleansException { Message: var m } when m.StartsWith("Error from storage provider", StringComparison.Ordinal) => true,
        Orleans.Serialization.UnavailableExceptionFallbackException { ExceptionType: var type } when type?.Contains("Redis", StringComparison.Ordinal) == true
            || type?.Contains("StoreUnavailable", StringComparison.Ordinal) == true => true,
        // Before the client first reaches a silo it has no grain manifest, so grain lookups fail this way.
        ArgumentException { Message: var m } when m.StartsWith("Could not find an implementation for interface", StringComparison.Ordinal) => true,
        InvalidOperationException { Message: var m } when m.Contains("not connected", StringComparison.OrdinalIgnoreCase) => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsUnavailable),
        _ => IsUnavailable(exception.InnerException),
    };
}
