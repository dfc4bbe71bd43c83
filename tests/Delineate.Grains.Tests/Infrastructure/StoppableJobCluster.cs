using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>
/// A cluster a test may stop. Its silo gives up a graceful stop after 3 s (TestingHost's own default
/// is 30 s), so a stop that waits for running work fails a test in seconds, not half a minute.
/// </summary>
public sealed class StoppableJobCluster : JobClusterFixture
{
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["JOB_TTL_SECONDS"] = "3600",
    };

    protected override void ConfigureSilo(Orleans.Hosting.ISiloBuilder silo) =>
        silo.Services.PostConfigure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
}
