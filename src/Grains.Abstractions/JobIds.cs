namespace Delineate.Abstractions;

/// <summary>Job ids are time-ordered (version 7) Guids: the id holds its creation time.</summary>
public static class JobIds
{
    public static Guid New() => Guid.CreateVersion7();

    public static bool TryParse(string? text, out Guid jobId) =>
        Guid.TryParseExact(text, "D", out jobId) && jobId != Guid.Empty;

    /// <summary>The creation time (millisecond precision) written into a version 7 id.</summary>
    public static DateTimeOffset CreationTimeOf(Guid versionSevenId)
    {
        Span<byte> bytes = stackalloc byte[16];
        versionSevenId.TryWriteBytes(bytes, bigEndian: true, out _);
        var milliseconds = 0L;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
