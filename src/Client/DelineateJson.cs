using System.Text.Json;
using System.Text.Json.Serialization;

namespace Delineate.Client;

/// <summary>The API's JSON conventions: camelCase names, enums as camelCase strings.</summary>
public static class DelineateJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
