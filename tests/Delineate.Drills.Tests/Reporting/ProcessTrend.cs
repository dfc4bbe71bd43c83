namespace Delineate.Drills.Tests.Reporting;

/// <summary>Memory and handles of one process slot over the soak, after warm-up.</summary>
public sealed record ProcessTrend(
    string Process,
    int Samples,
    double WarmUpSeconds,
    double RssMeanMb,
    double RssMinMb,
    double RssMaxMb,
    double RssFirstMb,
    double RssLastMb,
    double RssMaxDeviationPercent,
    int FdsMin,
    int FdsMax,
    int ThreadsMin,
    int ThreadsMax);
