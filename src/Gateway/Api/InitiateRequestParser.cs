using System.Text.Json;

namespace Delineate.Gateway.Api;

/// <summary>
/// Validates an initiate body by hand, so each problem is reported against its field:
/// <c>{"file_ids":[…]}</c>, 1 to 1000 integers in [10000, 100000000]; duplicates dropped, order kept.
/// </summary>
public static class InitiateRequestParser
{
    public const string Field = "file_ids";
    public const int MaxFiles = 1000;
    public const int MinFileId = 10_000;
    public const int MaxFileId = 100_000_000;

    public static (IReadOnlyList<int>? FileIds, Dictionary<string, string[]> Errors) Parse(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = [$"The body must be a JSON object like {{\"{Field}\":[70000]}}, not {Describe(root.ValueKind)}."];
            return (null, errors);
        }
        if (!root.TryGetProperty(Field, out var ids))
        {
            errors[Field] = ["Required: an array of 1 to 1000 file ids."];
            return (null, errors);
        }
        if (ids.ValueKind != JsonValueKind.Array)
        {
            errors[Field] = [$"Must be an array of integers, not {Describe(ids.ValueKind)}."];
            return (null, errors);
        }
        var count = ids.GetArrayLength();
        if (count is 0 or > MaxFiles)
        {
            errors[Field] = [$"Must hold 1 to {MaxFiles} file ids (had {count})."];
            return (null, errors);
        }
        var result = new List<int>(count);
        var seen = new HashSet<int>();
        var problems = new List<string>();
        var index = 0;
        foreach (var item in ids.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var id))
            {
                problems.Add($"[{index}] must be an integer, not {Describe(item)}.");
            }
            else if (id is < MinFileId or > MaxFileId)
            {
                problems.Add($"[{index}] = {id} is outside [{MinFileId}, {MaxFileId}].");
            }
            else if (seen.Add((int)id))
            {
                result.Add((int)id);
            }
            index++;
            if (problems.Count >= 20)
            {
                break;
            }
        }
        if (problems.Count > 0)
        {
            errors[Field] = [.. problems];
            return (null, errors);
        }
        return (result, errors);
    }

    private static string Describe(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number ? "a non-integer number" : Describe(element.ValueKind);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
