using System.Text.Json.Serialization;

namespace Delineate.Client;

/// <summary>One requested file: where it stands, and its own download link once ready.</summary>
public sealed record FileOutcome
{
    [JsonPropertyName("file_id")]
    public int FileId { get; init; }

    public FileStatus Status { get; init; }

    public long? Size { get; init; }

    public int Attempts { get; init; }

    public string? Url { get; init; }

    public string? Error { get; init; }
}
