namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>Jobs expire 2 s after they finish and must finish within 1.5 s: retention and deadline tests.</summary>
public sealed class ShortLivedJobCluster : JobClusterFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["JOB_TTL_SECONDS"] = "2",
        ["JOB_TIMEOUT_MS"] = "1500",
    };
}
