namespace Delineate.Abstractions;

/// <summary>Names shared by publishers and subscribers of job progress.</summary>
public static class StreamNames
{
    /// <summary>The Orleans stream provider carrying progress.</summary>
    public const string Provider = "progress";

    /// <summary>The stream namespace; the stream key is the job id.</summary>
    public const string JobNamespace = "job";
}
