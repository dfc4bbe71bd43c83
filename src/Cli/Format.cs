using System.Globalization;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary>Numbers and states as people read them.</summary>
public static class Format
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {Units[unit]}");
    }

    /// <summary>"1 file", "3 files".</summary>
    public static string Files(int count) => count == 1 ? "1 file" : string.Create(CultureInfo.InvariantCulture, $"{count} files");

    public static string Eta(int? seconds) => seconds switch
    {
        null => "–",
        < 3600 => TimeSpan.FromSeconds(seconds.Value).ToString(@"m\:ss", CultureInfo.InvariantCulture),
        _ => TimeSpan.FromSeconds(seconds.Value).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
    };

    public static string Name(JobStatus status) => status.ToApiName();

    public static string Name(JobPhase phase) => phase.ToString().ToLowerInvariant();

    public static string Name(FileStatus status) => status.ToString().ToLowerInvariant();

    public static string Name(JobEventType type) => type.ToString().ToLowerInvariant();

    public static string Name(JobEventTransport transport) => transport switch
    {
        JobEventTransport.WebSocket => "websocket",
        JobEventTransport.ServerSentEvents => "sse",
        JobEventTransport.Polling => "polling",
        _ => "auto",
    };

    public static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The colour a status is shown in.</summary>
    public static string Colour(JobStatus status) => status switch
    {
        JobStatus.Completed => "green",
        JobStatus.Failed => "red",
        JobStatus.Cancelled => "yellow",
        JobStatus.Processing => "blue",
        _ => "grey",
    };
}
