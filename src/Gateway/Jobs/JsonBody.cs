using System.Text.Json;
using Delineate.Gateway.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Delineate.Gateway.Jobs;

/// <summary>Reads a small JSON body: 415 when it is not JSON, 413 over 64 KiB, 400 when it does not parse.</summary>
public static class JsonBody
{
    public const long MaxBytes = 64 * 1024;

    public static async Task<(JsonDocument? Document, Refusal? Refusal)> ReadAsync(HttpContext context)
    {
        if (!context.Request.HasJsonContentType())
        {
            return (null, Problems.Of(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }
        if (context.Request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }
        try
        {
            return (await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted), null);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : "";
            return (null, Problems.Field("body", $"The body is not valid JSON{where}.", "Invalid JSON"));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (System.Text.DecoderFallbackException)
        {
            return (null, Problems.Field("body", "The body is not valid UTF-8.", "Invalid JSON"));
        }
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Of(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body must be at most {MaxBytes} bytes.");

    /// <summary>Reads and validates a JSON body; the refusal to answer when it is not acceptable.</summary>
    public static async Task<(T? Value, Refusal? Refusal)> ReadAsync<T>(
        HttpContext context, Func<JsonElement, (T? Value, Dictionary<string, string[]> Errors)> parse) where T : class
    {
        var (document, refusal) = await ReadAsync(context);
        if (document is null)
        {
            return (null, refusal);
        }
        using (document)
        {
            var (value, errors) = parse(document.RootElement);
            return value is null ? (null, TypedResults.ValidationProblem(errors, title: "Invalid request")) : (value, null);
        }
    }
}
