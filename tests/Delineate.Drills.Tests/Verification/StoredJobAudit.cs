using System.Diagnostics;

namespace Delineate.Drills.Tests.Verification;

/// <summary>
/// Lists the job states Redis holds (<c>…/state/downloadjob/{id}/job</c>) with <c>redis-cli --scan</c>,
/// so the drill can tell jobs that exist in storage although no client was ever given their id
/// (a half-done initiate that a retry replaced with another job).
/// </summary>
public static class StoredJobAudit
{
    public static async Task<IReadOnlyList<string>> StoredJobIdsAsync(int redisPort)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", redisPort.ToString(), "--scan", "--pattern", "*/state/downloadjob/*" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(key => key.Split('/'))
            .Select(parts => Array.IndexOf(parts, "downloadjob") is var i and >= 0 && i + 1 < parts.Length ? parts[i + 1] : null)
            .OfType<string>()
            .Select(Normalize)
            .Distinct()
            .ToList();
    }

    /// <summary>A job id without dashes, lower case: the form storage keys use.</summary>
    public static string Normalize(string jobId) => jobId.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
}
