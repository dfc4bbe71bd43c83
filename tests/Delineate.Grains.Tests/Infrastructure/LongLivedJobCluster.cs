namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>Jobs stay for an hour after they finish, so tests can inspect them at leisure.</summary>
public sealed class LongLivedJobCluster : JobClusterFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["JOB_TTL_SECONDS"] = "3600",
    };
}
