using System.Net;
using Xunit.Sdk;

namespace Delineate.Api.Tests.Support;

/// <summary>Checks RFC 9457 problem answers as README's "API" section describes them.</summary>
public static class ProblemAssert
{
    public const string MediaType = "application/problem+json";

    /// <summary>
    /// Asserts the status code, the <c>application/problem+json</c> content type, and a JSON body whose
    /// <c>status</c> matches and that carries <c>requestId</c> (equal to the X-Request-ID header) and
    /// <c>traceId</c>. Returns the body.
    /// </summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string context = "")
    {
        var text = await response.Content.ReadAsStringAsync();
        var where = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} {context}".Trim();
        if (response.StatusCode != expected)
        {
            throw new XunitException($"{where}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != MediaType)
        {
            throw new XunitException($"{where}: expected Content-Type {MediaType}, got '{mediaType}': {text}");
        }

        var body = JsonElementExtensions.ParseJson(text);
        Assert.True(body.ValueKind == JsonValueKind.Object, $"{where}: the problem is not a JSON object: {text}");
        Assert.True(body.Long("status") == (int)expected, $"{where}: problem.status should be {(int)expected}: {text}");
        var requestId = body.String("requestId");
        Assert.False(string.IsNullOrWhiteSpace(requestId), $"{where}: empty requestId: {text}");
        Assert.False(string.IsNullOrWhiteSpace(body.String("traceId")), $"{where}: empty traceId: {text}");
        if (response.Headers.TryGetValues("X-Request-ID", out var header))
        {
            Assert.True(header.Single() == requestId, $"{where}: requestId {requestId} differs from the X-Request-ID header {header.Single()}");
        }

        return body;
    }

    /// <summary>Also asserts a 400's <c>errors</c> object and that it names <paramref name="field"/>.</summary>
    public static async Task<JsonElement> IsValidationProblemAsync(HttpResponseMessage response, string field, string context = "")
    {
        var body = await IsProblemAsync(response, HttpStatusCode.BadRequest, context);
        var errors = body.Field("errors");
        Assert.True(errors.ValueKind == JsonValueKind.Object, $"{context}: errors should be an object: {body.GetRawText()}");
        Assert.True(
            errors.EnumerateObject().Any(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase)),
            $"{context}: errors should name '{field}': {body.GetRawText()}");
        foreach (var property in errors.EnumerateObject())
        {
            Assert.True(
                property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() > 0 &&
                property.Value.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString()!.Length > 0),
                $"{context}: errors.{property.Name} should be a non-empty array of messages: {body.GetRawText()}");
        }

        return body;
    }
}
