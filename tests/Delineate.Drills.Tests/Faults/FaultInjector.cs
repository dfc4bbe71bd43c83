using System.Collections.Concurrent;
using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Faults;

/// <summary>Carries out a <see cref="FaultPlan"/> against a <see cref="DrillCluster"/> and records what happened.</summary>
public sealed class FaultInjector(DrillCluster cluster, Random random, Action<string> log, Func<int> unfinishedJobs)
{
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(45);
    private readonly ConcurrentQueue<FaultRecord> _records = new();

    public IReadOnlyList<FaultRecord> Records => _records.OrderBy(r => r.Began).ToList();

    public Task RunAsync(FaultPlan plan, DateTimeOffset loadStart, CancellationToken cancellationToken) =>
        Task.WhenAll(plan.Tracks.Select(track => RunTrackAsync(track, loadStart, cancellationToken)));

    private async Task RunTrackAsync(IReadOnlyList<ScheduledFault> track, DateTimeOffset loadStart, CancellationToken cancellationToken)
    {
        foreach (var fault in track)
        {
            var wait = loadStart + fault.At - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                // A schedule, not a wait for a condition: the fault happens at its time.
                await Task.Delay(wait, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var record = await InjectAsync(fault, loadStart);
            _records.Enqueue(record);
            log($"fault {record.Kind} {record.Target} at {record.AtSecond:F1} s: down {record.DownSeconds} s" +
                (record.ExitedGracefully is { } graceful ? $", exited {(graceful ? "by itself" : "only after SIGKILL")} in {record.SecondsToExit:F1} s (code {record.ExitCode})" : "") +
                (record.Detail is { } detail ? $"; {detail}" : "") +
                (record.Error is { } error ? $"; ERROR {error}" : ""));
        }
    }

    private async Task<FaultRecord> InjectAsync(ScheduledFault fault, DateTimeOffset loadStart)
    {
        var began = DateTimeOffset.UtcNow;
        var unfinished = unfinishedJobs();
        var at = Math.Round((began - loadStart).TotalSeconds, 1);
        try
        {
            switch (fault.Kind)
            {
                case FaultKind.SiloKill:
                case FaultKind.GatewayKill:
                {
                    var slot = Pick(fault.Kind == FaultKind.SiloKill ? cluster.Silos : cluster.Gateways);
                    if (slot is null)
                    {
                        return Skipped(fault, began, at, unfinished, "fewer than two processes of that kind are up");
                    }

                    var pid = await cluster.KillAsync(slot);
                    await Task.Delay(fault.Duration);
                    await cluster.StartServiceAsync(slot);
                    return new FaultRecord
                    {
                        Kind = fault.Kind, Target = slot.Name, Began = began, Recovered = DateTimeOffset.UtcNow, AtSecond = at,
                        UnfinishedJobsAtStart = unfinished, Detail = $"SIGKILL pid {pid}; restarted as pid {slot.Current?.Process.Pid}",
                    };
                }

                case FaultKind.SiloTerm:
                case FaultKind.GatewayTerm:
                {
                    var slot = Pick(fault.Kind == FaultKind.SiloTerm ? cluster.Silos : cluster.Gateways);
                    if (slot is null)
                    {
                        return Skipped(fault, began, at, unfinished, "fewer than two processes of that kind are up");
                    }

                    var (graceful, took, pid, exitCode) = await cluster.StopGracefullyAsync(slot, StopDeadline);
                    var rest = fault.Duration - took;
                    if (rest > TimeSpan.Zero)
                    {
                        await Task.Delay(rest);
                    }

                    await cluster.StartServiceAsync(slot);
                    return new FaultRecord
                    {
                        Kind = fault.Kind, Target = slot.Name, Began = began, Recovered = DateTimeOffset.UtcNow, AtSecond = at,
                        UnfinishedJobsAtStart = unfinished, ExitedGracefully = graceful, SecondsToExit = Math.Round(took.TotalSeconds, 1), ExitCode = exitCode,
                        Detail = $"SIGTERM pid {pid}; restarted as pid {slot.Current?.Process.Pid}",
                    };
                }

                case FaultKind.RedisRestart:
                {
                    var graceful = await cluster.Redis.StopAsync();
                    await Task.Delay(fault.Duration);
                    await cluster.Redis.StartAsync();
                    return new FaultRecord
                    {
                        Kind = fault.Kind, Target = "redis", Began = began, Recovered = DateTimeOffset.UtcNow, AtSecond = at,
                        UnfinishedJobsAtStart = unfinished, ExitedGracefully = graceful, Detail = "SIGTERM (AOF flushed), same port and data folder",
                    };
                }

                case FaultKind.S3Outage:
                {
                    await cluster.S3.StopAsync();
                    await Task.Delay(fault.Duration);
                    await cluster.S3.StartAsync();
                    return new FaultRecord
                    {
                        Kind = fault.Kind, Target = "s3rver", Began = began, Recovered = DateTimeOffset.UtcNow, AtSecond = at,
                        UnfinishedJobsAtStart = unfinished, Detail = "stopped; started again on the same port and data folder",
                    };
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, null);
            }
        }
        catch (Exception ex)
        {
            return new FaultRecord
            {
                Kind = fault.Kind, Target = "?", Began = began, AtSecond = at, UnfinishedJobsAtStart = unfinished,
                Error = $"{ex.GetType().Name}: {ex.Message}",
            };
        }
    }

    /// <summary>A random running process among <paramref name="slots"/>, only when another one stays up.</summary>
    private ServiceSlot? Pick(IReadOnlyList<ServiceSlot> slots)
    {
        var up = slots.Where(s => s.IsUp).ToList();
        return up.Count < 2 ? null : up[random.Next(up.Count)];
    }

    private static FaultRecord Skipped(ScheduledFault fault, DateTimeOffset began, double at, int unfinished, string why) => new()
    {
        Kind = fault.Kind, Target = "-", Began = began, AtSecond = at, UnfinishedJobsAtStart = unfinished, Error = $"skipped: {why}",
    };
}
