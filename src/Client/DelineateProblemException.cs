using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Delineate.Client;

/// <summary>
/// An error answer from the service: its RFC 9457 problem details (<c>application/problem+json</c>),
/// or the status and reason of an answer that carried none (a proxy's page, say).
/// </summary>
public sealed class DelineateProblemException : DelineateException
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    public DelineateProblemException(
        int status,
        string title,
        string? detail = null,
        string? type = null,
        IReadOnlyDictionary<string, string[]>? errors = null,
        string? requestId = null,
        string? traceId = null,
        TimeSpan? retryAfter = null)
        : base(Describe(status, title, detail, errors))
    {
        Status = status;
        Title = title;
        Detail = detail;
        Type = type;
        Errors = errors ?? NoErrors;
        RequestId = requestId;
        TraceId = traceId;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status (400, 401, 404, 409, 429, …).</summary>
    public int Status { get; }

    public string Title { get; }

    public string? Detail { get; }

    /// <summary>The problem type URI, when the service sent one.</summary>
    public string? Type { get; }

    /// <summary>Per-field messages of a validation problem: field (such as <c>file_ids</c>) → messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>The request id the service logged this under (<c>X-Request-ID</c>).</summary>
    public string? RequestId { get; }

    public string? TraceId { get; }

    /// <summary>How long the service asked to wait before trying again (429, 503).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Reads the problem out of a non-success response.</summary>
    public static async Task<DelineateProblemException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterOf(response.Headers.RetryAfter);
        var requestId = response.Headers.TryGetValues("X-Request-ID", out var ids) ? ids.FirstOrDefault() : null;
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            text = "";
        }
        if (IsJson(response.Content.Headers.ContentType) && TryParse(text, out var problem))
        {
            return new DelineateProblemException(
                problem.Status ?? status,
                problem.Title ?? response.ReasonPhrase ?? "Error",
                problem.Detail,
                problem.Type,
                problem.Errors,
                problem.RequestId ?? requestId,
                problem.TraceId,
                retryAfter);
        }
        return new DelineateProblemException(status, response.ReasonPhrase ?? ((HttpStatusCode)status).ToString(), Shorten(text), requestId: requestId, retryAfter: retryAfter);
    }

    private static bool IsJson(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media && (media.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static bool TryParse(string text, out ProblemBody problem)
    {
        problem = default;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }
            Dictionary<string, string[]>? errors = null;
            if (root.TryGetProperty("errors", out var errorsElement) && errorsElement.ValueKind == JsonValueKind.Object)
            {
                errors = [];
                foreach (var field in errorsElement.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? field.Value.EnumerateArray().Select(m => m.ToString()).ToArray()
                        : [field.Value.ToString()];
                }
            }
            problem = new ProblemBody(
                StringOf(root, "type"),
                StringOf(root, "title"),
                root.TryGetProperty("status", out var s) && s.TryGetInt32(out var code) ? code : null,
                StringOf(root, "detail"),
                errors,
                StringOf(root, "requestId"),
                StringOf(root, "traceId"));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? StringOf(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header) =>
        header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);

    private static string? Shorten(string text)
    {
        text = text.Trim();
        return text.Length == 0 ? null : text.Length <= 200 ? text : text[..200] + "…";
    }

    private static string Describe(int status, string title, string? detail, IReadOnlyDictionary<string, string[]>? errors)
    {
        var message = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{status} {title}"));
        if (!string.IsNullOrWhiteSpace(detail))
        {
            message.Append(": ").Append(detail);
        }
        foreach (var (field, messages) in errors ?? NoErrors)
        {
            message.Append("; ").Append(field).Append(": ").Append(string.Join(" ", messages));
        }
        return message.ToString();
    }

    private readonly record struct ProblemBody(
        string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors, string? RequestId, string? TraceId);
}
