namespace Delineate.Grains.Storage;

/// <summary>The object keys of the storage layout (docs/architecture.md, "Storage").</summary>
public static class StorageKeys
{
    public const string SourcePrefix = "downloads/";
    public const string ExportPrefix = "exports/";

    public static string Source(int fileId) => $"{SourcePrefix}{fileId}.zip";

    public static string Export(Guid jobId) => $"{ExportPrefix}{jobId}.zip";

    public static string FileName(int fileId) => $"{fileId}.zip";
}
