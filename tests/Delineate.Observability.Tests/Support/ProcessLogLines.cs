using System.Text.RegularExpressions;

namespace Delineate.Observability.Tests.Support;

/// <summary>One line a service wrote (stdout or stderr), as captured by <see cref="ManagedProcess"/>.</summary>
public sealed record LogLine(string Process, string Text, JsonElement? Json)
{
    public string? Field(string name) =>
        Json is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    public string Message => Field("message") ?? "";

    public override string ToString() => $"[{Process}] {Text}";
}

/// <summary>
/// Reads a service's captured output back: <see cref="ManagedProcess"/> writes each line as
/// <c>HH:mm:ss.fff line</c> and its own notes as <c>### ...</c> (those are skipped).
/// </summary>
public static partial class ProcessLogLines
{
    public static IReadOnlyList<LogLine> Read(ManagedProcess process)
    {
        var lines = new List<LogLine>();
        foreach (var raw in process.ReadLog().Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith("###", StringComparison.Ordinal))
            {
                continue;
            }
            var match = CapturePrefix().Match(line);
            var text = match.Success ? line[match.Length..] : line;
            lines.Add(new LogLine(process.Name, text, TryParseObject(text)));
        }
        return lines;
    }

    private static JsonElement? TryParseObject(string text)
    {
        if (!text.StartsWith('{'))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d\d\d ")]
    private static partial Regex CapturePrefix();
}
