namespace Delineate.Client;

/// <summary>The outcome of one requested file.</summary>
public enum FileStatus
{
    Pending,
    Processing,
    Ready,
    Missing,
    Failed,
}
