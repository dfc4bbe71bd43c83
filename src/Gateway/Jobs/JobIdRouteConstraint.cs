using Microsoft.AspNetCore.Routing.Matching;

namespace Delineate.Gateway.Jobs;

/// <summary>
/// The <c>{jobId:jobid}</c> route segment: anything but the API's own path words. Routing also asks
/// it while building its tree (<see cref="IParameterLiteralNodeMatchingPolicy"/>), so on
/// <c>/v1/download/check</c> only <c>POST /check</c> is a candidate: <c>GET</c> there is a wrong
/// method (405 with <c>Allow: POST</c>), never "Invalid job id". A malformed id still reaches the
/// handler, which answers 400 naming <c>jobId</c>.
/// </summary>
public sealed class JobIdRouteConstraint : IRouteConstraint, IParameterLiteralNodeMatchingPolicy
{
    public const string Name = "jobid";

    public static readonly IReadOnlySet<string> ReservedWords =
        new HashSet<string>(["check", "start", "initiate", "jobs", "status", "subscribe", "events"], StringComparer.OrdinalIgnoreCase);

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value?.ToString() is { } text && !ReservedWords.Contains(text);

    public bool MatchesLiteral(string parameterName, string literal) => !ReservedWords.Contains(literal);
}
