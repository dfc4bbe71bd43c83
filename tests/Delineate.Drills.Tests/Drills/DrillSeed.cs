namespace Delineate.Drills.Tests.Drills;

/// <summary><c>DRILL_SEED</c> replays a drill's random choices (the seed is printed and written to the report).</summary>
public static class DrillSeed
{
    public static int? FromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable("DRILL_SEED"), out var seed) ? seed : null;
}
