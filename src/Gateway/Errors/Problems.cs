using Microsoft.AspNetCore.Http.HttpResults;

namespace Delineate.Gateway.Errors;

/// <summary>The API's RFC 9457 answers; request and trace ids are added by the problem details service.</summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    public static ValidationProblem Field(string field, string message, string title = "Invalid request") =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: title);

    public static ProblemHttpResult JobNotFound() =>
        Of(StatusCodes.Status404NotFound, "Job not found", "No such job, or it has expired.");

    /// <summary>Seconds a client over the unfinished-jobs cap is told to wait: about a short job's length.</summary>
    public const int ActiveJobsRetryAfterSeconds = 10;

    public static ProblemHttpResult TooManyActiveJobs(HttpContext context, int cap)
    {
        context.Response.Headers.RetryAfter = ActiveJobsRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Of(StatusCodes.Status429TooManyRequests, "Too many unfinished jobs", $"You already have {cap} unfinished jobs; wait for one to finish or cancel one.");
    }

    public static ProblemHttpResult TooManyJobsInCluster(HttpContext context) =>
        TooMany(context, "Service at capacity",
            "The service has the most unfinished jobs it accepts (MAX_ACTIVE_JOBS); try again later.",
            TimeSpan.FromSeconds(ActiveJobsRetryAfterSeconds));

    /// <summary>A 429 with <c>Retry-After</c> in whole seconds (at least 1).</summary>
    public static ProblemHttpResult TooMany(HttpContext context, string title, string detail, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Of(StatusCodes.Status429TooManyRequests, title, detail);
    }
}
