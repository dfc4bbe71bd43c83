namespace Delineate.Grains.Storage;

/// <summary>A file that exists in the source: where it lives and how big it is.</summary>
public sealed record SourceFile(int FileId, string Key, long Size);
