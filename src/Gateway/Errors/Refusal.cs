using Microsoft.AspNetCore.Http.HttpResults;

namespace Delineate.Gateway.Errors;

/// <summary>
/// Why a request was refused before it did anything: a 400 naming its field (<see cref="ValidationProblem"/>),
/// or another problem (<see cref="ProblemHttpResult"/>: 404, 413, 415, 429…). A handler answers with
/// whichever it holds; its typed result union lists both.
/// </summary>
public sealed class Refusal
{
    private Refusal(ValidationProblem? invalid, ProblemHttpResult? problem) => (Invalid, Problem) = (invalid, problem);

    /// <summary>A 400 naming the field (or header, or body) that was wrong.</summary>
    public ValidationProblem? Invalid { get; }

    /// <summary>Any other problem; null when <see cref="Invalid"/> is set.</summary>
    public ProblemHttpResult? Problem { get; }

    public static implicit operator Refusal(ValidationProblem invalid) => new(invalid, null);

    public static implicit operator Refusal(ProblemHttpResult problem) => new(null, problem);
}
