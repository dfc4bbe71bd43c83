using System.Text.RegularExpressions;

namespace Delineate.Observability.Tests.Support;

/// <summary>A metric family from a metric table of docs/observability.md.</summary>
public sealed record DocumentedMetric(
    string Name,
    string Type,
    IReadOnlyList<string> LabelNames,
    IReadOnlyDictionary<string, IReadOnlyList<string>> LabelValues,
    string EmittedBy,
    string Table)
{
    public bool IsHistogram => Type.Contains("histogram", StringComparison.OrdinalIgnoreCase);

    /// <summary>The sample name that holds a series: the family itself, or <c>_bucket</c> for a histogram.</summary>
    public string SampleName => IsHistogram ? Name + "_bucket" : Name;

    /// <summary>Prometheus job labels the "emitted by" column names (empty when it names neither process).</summary>
    public IReadOnlySet<string> EmittingJobs
    {
        get
        {
            var jobs = new HashSet<string>();
            var text = EmittedBy.ToLowerInvariant();
            if (text.Contains("both processes", StringComparison.Ordinal))
            {
                jobs.UnionWith(["gateway", "silo"]);
            }
            if (Regex.IsMatch(text, @"^\s*silo\b"))
            {
                jobs.Add("silo");
            }
            if (Regex.IsMatch(text, @"^\s*gateway\b"))
            {
                jobs.Add("gateway");
            }
            return jobs;
        }
    }

    /// <summary>Histogram bucket bounds named in the type column ("buckets 0.5 … 1800 s"): the first and the last.</summary>
    public IReadOnlyList<string> DocumentedBucketBounds
    {
        get
        {
            var match = Regex.Match(Type, @"buckets\s+([0-9.]+)\s*(?:…|\.\.\.)\s*([0-9.]+)");
            return match.Success ? [match.Groups[1].Value, match.Groups[2].Value] : [];
        }
    }
}

/// <summary>A row of the span table of docs/observability.md ("## Traces").</summary>
public sealed record DocumentedSpan(
    IReadOnlyList<string> Names,
    string? Scope,
    IReadOnlyList<string> Attributes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> AttributeValues,
    string Row);

/// <summary>
/// Reads the metric reference out of docs/observability.md, so the tests check what the document
/// says: every table under "## Metrics" whose first column is "Prometheus name", and the names the
/// text calls lazy (on /metrics only once first used).
/// </summary>
public sealed partial class ObservabilityDoc
{
    private ObservabilityDoc(IReadOnlyList<DocumentedMetric> metrics, IReadOnlySet<string> lazy, IReadOnlyList<DocumentedSpan> spans)
    {
        Metrics = metrics;
        Lazy = lazy;
        Spans = spans;
    }

    /// <summary>The rows of the span table: span names (placeholders "..." left out), the scope, the attributes.</summary>
    public IReadOnlyList<DocumentedSpan> Spans { get; }

    public static string DefaultPath => Path.Combine(RepositoryLayout.Root, "docs", "observability.md");

    public IReadOnlyList<DocumentedMetric> Metrics { get; }

    /// <summary>Metric names the document says appear only after first use.</summary>
    public IReadOnlySet<string> Lazy { get; }

    public static ObservabilityDoc Load(string? path = null) => Parse(File.ReadAllText(path ?? DefaultPath));

    public static ObservabilityDoc Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var section = Section(lines, "## Metrics");

        var metrics = new List<DocumentedMetric>();
        string table = "";
        for (var i = 0; i < section.Length; i++)
        {
            if (section[i].StartsWith("### ", StringComparison.Ordinal))
            {
                table = section[i][4..].Trim();
            }
            var header = Cells(section[i]);
            if (header.Count == 0 || !header[0].Equals("Prometheus name", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var type = header.FindIndex(h => h.Equals("type", StringComparison.OrdinalIgnoreCase));
            var labels = header.FindIndex(h => h.StartsWith("labels", StringComparison.OrdinalIgnoreCase));
            var emitted = header.FindIndex(h => h.Equals("emitted by", StringComparison.OrdinalIgnoreCase) || h.Equals("from", StringComparison.OrdinalIgnoreCase));
            for (i += 2; i < section.Length && section[i].TrimStart().StartsWith('|'); i++)
            {
                var row = Cells(section[i]);
                var (labelNames, labelValues) = ParseLabels(labels >= 0 && labels < row.Count ? row[labels] : "");
                foreach (var name in Backticked(row[0]))
                {
                    metrics.Add(new DocumentedMetric(
                        name,
                        type >= 0 && type < row.Count ? row[type] : "",
                        labelNames,
                        labelValues,
                        emitted >= 0 && emitted < row.Count ? row[emitted] : "",
                        table));
                }
            }
        }

        // "A counter appears on `/metrics` only once it has been incremented: `a` after ..., `b` after ...".
        var names = metrics.Select(m => m.Name).ToHashSet();
        var sentence = LazySentence().Match(string.Join(' ', section));
        var lazy = sentence.Success ? Backticked(sentence.Value).Where(names.Contains).ToHashSet() : [];
        return new ObservabilityDoc(metrics, lazy, ParseSpans(Section(lines, "## Traces")));
    }

    private static string[] Section(string[] lines, string heading)
    {
        var start = Array.FindIndex(lines, l => l.Trim() == heading);
        if (start < 0)
        {
            throw new InvalidDataException($"docs/observability.md has no '{heading}' section");
        }
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        return lines[start..(end < 0 ? lines.Length : end)];
    }

    /// <summary>
    /// "| `a`, `b`, ... | source (`Scope.Name`) | `x`, `y` (`V1`, `V2`) |": names, the scope named in
    /// the source column, the attributes, and for an attribute followed by a list of values only, those.
    /// </summary>
    private static List<DocumentedSpan> ParseSpans(string[] section)
    {
        var spans = new List<DocumentedSpan>();
        for (var i = 0; i < section.Length; i++)
        {
            var header = Cells(section[i]);
            if (header.Count < 3 || !header[0].Equals("span", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            for (i += 2; i < section.Length && section[i].TrimStart().StartsWith('|'); i++)
            {
                var row = Cells(section[i]);
                var scope = Backticked(row[1]).FirstOrDefault(n => n.Contains('.', StringComparison.Ordinal));
                var values = new Dictionary<string, IReadOnlyList<string>>();
                foreach (Match match in AttributeWithValues().Matches(row[2]))
                {
                    values[match.Groups[1].Value] = Backticked(match.Groups[2].Value).ToList();
                }
                var attributes = Backticked(Regex.Replace(row[2], @"\([^)]*\)", " ")).ToList();
                spans.Add(new DocumentedSpan(Backticked(row[0]).ToList(), scope, attributes, values, section[i].Trim()));
            }
        }
        return spans;
    }

    /// <summary>
    /// "`outcome`: `completed`, `failed`" → outcome with those values; "`a`, `b`" → two label names;
    /// parenthesised text is commentary ("`grain_type` (`downloadjob`, ...)").
    /// </summary>
    private static (IReadOnlyList<string> Names, IReadOnlyDictionary<string, IReadOnlyList<string>> Values) ParseLabels(string cell)
    {
        var text = Regex.Replace(cell, @"\([^)]*\)", " ");
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            return (Backticked(text).ToList(), new Dictionary<string, IReadOnlyList<string>>());
        }
        var names = Backticked(text[..colon]).ToList();
        var values = Backticked(text[(colon + 1)..]).ToList();
        return (names, names.Count == 1 ? new Dictionary<string, IReadOnlyList<string>> { [names[0]] = values } : new Dictionary<string, IReadOnlyList<string>>());
    }

    private static List<string> Cells(string line)
    {
        var trimmed = line.Trim();
        if (!trimmed.StartsWith('|'))
        {
            return [];
        }
        return trimmed.Trim('|').Split('|').Select(c => c.Trim()).ToList();
    }

    private static IEnumerable<string> Backticked(string text) =>
        BacktickedName().Matches(text).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex BacktickedName();

    /// <summary>"`file.status` (`Ready`, `Missing`, `Failed`)": an attribute, then a parenthesis of values only.</summary>
    [GeneratedRegex(@"`([^`]+)`\s*\(((?:\s*`[^`]+`\s*,?)+)\)")]
    private static partial Regex AttributeWithValues();

    [GeneratedRegex(@"appears on `/metrics` only\s+once[^.]*\.")]
    private static partial Regex LazySentence();
}
