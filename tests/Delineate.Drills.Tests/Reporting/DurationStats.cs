namespace Delineate.Drills.Tests.Reporting;

public sealed record DurationStats(int Count, double P50, double P95, double P99, double Max)
{
    public static DurationStats Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        return sorted.Length == 0
            ? new DurationStats(0, 0, 0, 0, 0)
            : new DurationStats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), Math.Round(sorted[^1], 2));
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}
