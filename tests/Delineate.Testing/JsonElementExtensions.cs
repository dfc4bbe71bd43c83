using Xunit.Sdk;

namespace Delineate.Testing;

/// <summary>Reads the contract's JSON fields with failure messages that show the whole document.</summary>
public static class JsonElementExtensions
{
    public static JsonElement Field(this JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value))
        {
            return value;
        }

        throw new XunitException($"Expected a field \"{name}\" in {element.GetRawText()}");
    }

    public static JsonElement? OptionalField(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static string String(this JsonElement element, string name)
    {
        var value = element.Field(name);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new XunitException($"Expected \"{name}\" to be a string in {element.GetRawText()}");
    }

    public static long Long(this JsonElement element, string name)
    {
        var value = element.Field(name);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new XunitException($"Expected \"{name}\" to be an integer in {element.GetRawText()}");
    }

    public static double Number(this JsonElement element, string name)
    {
        var value = element.Field(name);
        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new XunitException($"Expected \"{name}\" to be a number in {element.GetRawText()}");
    }

    public static IReadOnlyList<JsonElement> Array(this JsonElement element, string name)
    {
        var value = element.Field(name);
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().ToList()
            : throw new XunitException($"Expected \"{name}\" to be an array in {element.GetRawText()}");
    }

    public static JsonElement ParseJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new XunitException($"Expected JSON, got ({ex.Message}): {text}");
        }
    }
}
