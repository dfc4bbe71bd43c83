namespace Delineate.Gateway.Api;

/// <summary>Job ids are time-ordered (version 7) Guids.</summary>
public static class JobIds
{
    public static Guid New() => Guid.CreateVersion7();

    public static bool TryParse(string? text, out Guid jobId) =>
        Guid.TryParseExact(text, "D", out jobId) && jobId != Guid.Empty;
}
