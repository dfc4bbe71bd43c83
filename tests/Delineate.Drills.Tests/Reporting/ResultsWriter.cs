using System.Text.Json.Serialization;

namespace Delineate.Drills.Tests.Reporting;

/// <summary>Writes a drill's report as JSON under <c>bench/results/</c> (gitignored).</summary>
public static class ResultsWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write(DrillReport report)
    {
        var folder = Path.Combine(RepositoryLayout.Root, "bench", "results");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"drill-{report.Kind}-{report.StartedAt:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(report, Json));
        return path;
    }
}
