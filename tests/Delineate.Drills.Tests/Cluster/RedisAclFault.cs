using System.Diagnostics;

namespace Delineate.Drills.Tests.Cluster;

/// <summary>
/// Redis ACLs as a precise fault: the default user (the one every silo uses) keeps its access to
/// everything except one kind of key, whose writes fail with NOPERM, as they would if those calls
/// timed out: the reminder table (<c>{serviceId}/reminders</c>, a sorted set), the job states, or
/// the idempotency records.
/// </summary>
public static class RedisAclFault
{
    public static Task DenyReminderWritesAsync(int redisPort) =>
        RunAsync(redisPort, "ACL", "SETUSER", "default", "resetkeys", "~*/state/*", "~*/members/*", "%R~*/reminders");

    /// <summary>
    /// Job states (<c>…/state/downloadjob/…</c>) become read-only: every job's state write fails with
    /// NOPERM while everything else (other grains' state, membership, reminders) works.
    /// </summary>
    public static Task DenyJobStateWritesAsync(int redisPort) =>
        RunAsync(redisPort, "ACL", "SETUSER", "default", "resetkeys", "~*/members/*", "~*/reminders", "~*/state/[^d]*", "%R~*/state/d*");

    /// <summary>Idempotency records (<c>…/state/idempotency/…</c>) become read-only; everything else works.</summary>
    public static Task DenyIdempotencyWritesAsync(int redisPort) =>
        RunAsync(redisPort, "ACL", "SETUSER", "default", "resetkeys", "~*/members/*", "~*/reminders", "~*/state/[^i]*", "%R~*/state/i*");

    public static Task AllowAllAsync(int redisPort) =>
        RunAsync(redisPort, "ACL", "SETUSER", "default", "resetkeys", "~*");

    /// <summary>Runs one redis-cli command; returns its output, throws when redis-cli fails or Redis answers an error.</summary>
    public static async Task<string> RunAsync(int redisPort, params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", redisPort.ToString() }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0 || output.StartsWith("ERR", StringComparison.Ordinal) || output.StartsWith("NOPERM", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', command)} → exit {process.ExitCode}: {output}{error}");
        }

        return output;
    }
}
