using Delineate.Abstractions;

namespace Delineate.Grains.Owners;

/// <summary>An owner's job index, oldest first.</summary>
[GenerateSerializer, Alias("Delineate.OwnerJobsState")]
public sealed class OwnerJobsState
{
    [Id(0)] public int Version { get; set; } = 1;
    [Id(1)] public List<JobSummary> Jobs { get; set; } = [];
}
