namespace Delineate.Grains.Resilience;

/// <summary>
/// The names of the resilience pipelines, registered once by
/// <see cref="ResilienceServiceCollectionExtensions.AddDelineateResilience"/> and resolved through
/// <see cref="Polly.Registry.ResiliencePipelineProvider{TKey}"/>.
/// </summary>
public static class ResiliencePipelines
{
    /// <summary>The intake's batched store writes of new jobs (<see cref="Intake.JobIntake"/>).</summary>
    public const string JobIntake = "job-intake";

    /// <summary>One file's lookup in the file source, retried and timed out (<see cref="Jobs.FileFetcher"/>).</summary>
    public const string FileFetch = "file-fetch";

    /// <summary>A job grain's state writes (<see cref="Jobs.JobStateWriter"/>).</summary>
    public const string JobStateWrite = "job-state-write";

    /// <summary>A whole bundle, restarted on a transient failure (<see cref="Jobs.JobBundler"/>).</summary>
    public const string JobBundle = "job-bundle";
}
