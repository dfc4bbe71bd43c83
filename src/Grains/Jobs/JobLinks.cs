using Delineate.Grains.Storage;

namespace Delineate.Grains.Jobs;

/// <summary>How the read model signs download links: per file, and for the archive, valid until <see cref="ExpiresAt"/>.</summary>
public sealed record JobLinks(Func<SourceFile, string> FileUrl, Func<string, string, string> ArchiveUrl, DateTimeOffset ExpiresAt)
{
    public static JobLinks For(IFileSource source, IExportStore exports, DateTimeOffset expiresAt) =>
        new(file => source.GetDownloadUrl(file, expiresAt), (key, name) => exports.GetDownloadUrl(key, name, expiresAt), expiresAt);
}
