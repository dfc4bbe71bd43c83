using System.Text.Json;
using Delineate.Grains.Options;
using Delineate.Grains.Webhooks;

namespace Delineate.Gateway.Jobs;

/// <summary>
/// Validates request bodies by hand, so each problem is reported against its field:
/// <c>{"file_ids":[…], "callback_url":"https://…"}</c>, 1 to 1000 integers in [10000, 100000000]
/// (duplicates dropped, order kept) and an optional webhook URL, or <c>{"file_id":n}</c>.
/// </summary>
public static class InitiateRequestParser
{
    public const string Field = "file_ids";
    public const string SingleField = "file_id";
    public const string CallbackField = "callback_url";
    public const int MaxFiles = 1000;
    public const int MinFileId = 10_000;
    public const int MaxFileId = 100_000_000;

    public static (IReadOnlyList<int>? FileIds, Dictionary<string, string[]> Errors) Parse(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsObject(root, $"{{\"{Field}\":[70000]}}", errors))
        {
            return (null, errors);
        }
        if (!root.TryGetProperty(Field, out var ids))
        {
            errors[Field] = ["Required: an array of 1 to 1000 file ids."];
            return (null, errors);
        }
        if (ids.ValueKind != JsonValueKind.Array)
        {
            errors[Field] = [$"Must be an array of integers, not {Describe(ids)}."];
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
            if (CheckId(item) is { } problem)
            {
                problems.Add($"[{index}] {problem}");
                if (problems.Count >= 20)
                {
                    break;
                }
            }
            else if (seen.Add(item.GetInt32()))
            {
                result.Add(item.GetInt32());
            }
            index++;
        }
        if (problems.Count > 0)
        {
            errors[Field] = [.. problems];
            return (null, errors);
        }
        return (result, errors);
    }

    /// <summary>
    /// The initiate body. <c>callback_url</c> is optional (absent or null: no webhook); it must pass
    /// <see cref="WebhookAddressPolicy"/>, and is refused when the service has no <c>WEBHOOK_SECRET</c>.
    /// </summary>
    public static (InitiateBody? Body, Dictionary<string, string[]> Errors) ParseInitiate(JsonElement root, WebhookOptions webhooks)
    {
        var (fileIds, errors) = Parse(root);
        string? callback = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(CallbackField, out var url) && url.ValueKind != JsonValueKind.Null)
        {
            var problem = url.ValueKind != JsonValueKind.String ? $"Must be an http or https URL (a string), not {Describe(url)}."
                : !webhooks.Enabled ? "This service sends no webhooks (its WEBHOOK_SECRET is not set)."
                : WebhookAddressPolicy.Check(url.GetString()!, webhooks.AllowPrivateNetworks);
            if (problem is not null)
            {
                errors[CallbackField] = [problem];
            }
            callback = url.ValueKind == JsonValueKind.String ? url.GetString() : null;
        }
        return fileIds is null || errors.Count > 0 ? (null, errors) : (new InitiateBody(fileIds, callback), errors);
    }

    public static (int? FileId, Dictionary<string, string[]> Errors) ParseSingle(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsObject(root, $"{{\"{SingleField}\":70000}}", errors))
        {
            return (null, errors);
        }
        if (!root.TryGetProperty(SingleField, out var id))
        {
            errors[SingleField] = ["Required: a file id."];
            return (null, errors);
        }
        if (CheckId(id) is { } problem)
        {
            errors[SingleField] = [problem];
            return (null, errors);
        }
        return (id.GetInt32(), errors);
    }

    /// <summary>Null when the element is a valid file id, else what is wrong with it.</summary>
    private static string? CheckId(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var id))
        {
            return $"must be an integer, not {Describe(item)}.";
        }
        return id is < MinFileId or > MaxFileId ? $"= {id} is outside [{MinFileId}, {MaxFileId}]." : null;
    }

    private static bool IsObject(JsonElement root, string example, Dictionary<string, string[]> errors)
    {
        if (root.ValueKind == JsonValueKind.Object)
        {
            return true;
        }
        errors["body"] = [$"The body must be a JSON object like {example}, not {Describe(root)}."];
        return false;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a non-integer or too large number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
