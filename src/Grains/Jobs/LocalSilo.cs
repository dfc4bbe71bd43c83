using Microsoft.Extensions.Hosting;

namespace Delineate.Grains.Jobs;

/// <summary>The silo a job runs on, as the job sees it: whether it is stopping, and whether another silo can take over.</summary>
public sealed class LocalSilo(IHostApplicationLifetime lifetime, IClusterMembershipService membership, ILocalSiloDetails silo)
{
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    /// <summary>Another silo is active: a job handed over at shutdown has somewhere to go.</summary>
    public bool HasActivePeer =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress));
}
