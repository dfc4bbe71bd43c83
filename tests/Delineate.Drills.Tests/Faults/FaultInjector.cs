using System.Collections.Concurrent;
using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Faults;

/// <summary>
/// Carries out a <see cref="FaultPlan"/> against a <see cref="DrillCluster"/> and records what
/// happened. Each fault begins at its time even while an earlier one is still restarting its
/// process (a restart on a busy machine can take tens of seconds); faults on the same dependency
/// (Redis, S3) wait for each other, and a silo or gateway is only taken down while another one of
/// its kind stays up.
/// </summary>
public sealed class FaultInjector(DrillCluster cluster, Random random, Action<string> log, Func<int> unfinishedJobs)
{
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan WaitForSpareProcess = TimeSpan.FromSeconds(60);
    private readonly ConcurrentQueue<FaultRecord> _records = new();
    private readonly SemaphoreSlim _redis = new(1);
    private readonly SemaphoreSlim _s3 = new(1);
    private readonly Lock _pickGate = new();
    private readonly HashSet<ServiceSlot> _busy = [];

    public IReadOnlyList<FaultRecord> Records => _records.OrderBy(r => r.Began).ToList();

    public Task RunAsync(FaultPlan plan, DateTimeOffset loadStart, CancellationToken cancellationToken) =>
        Task.WhenAll(plan.All.OrderBy(f => f.At).Select(fault => RunOneAsync(fault, loadStart, cancellationToken)));

    private async Task RunOneAsync(ScheduledFault fault, DateTimeOffset loadStart, CancellationToken cancellationToken)
    {
        var wait = loadStart + fault.At - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            // A schedule, not a wait for a condition: the fault happens at its time.
            await Task.Delay(wait, cancellationToken);
        }

        var record = await InjectAsync(fault, loadStart);
        _records.Enqueue(record);
        log($"fault {record.Kind} {record.Target} at {record.AtSecond:F1} s (planned {fault.At.TotalSeconds:F0} s): back after {record.DownSeconds} s" +
            (record.ExitedGracefully is { } graceful ? $", exited {(graceful ? "by itself" : "only after SIGKILL")} in {record.SecondsToExit:F1} s (code {record.ExitCode})" : "") +
            (record.Detail is { } detail ? $"; {detail}" : "") +
            (record.Error is { } error ? $"; ERROR {error}" : ""));
    }

    private async Task<FaultRecord> InjectAsync(ScheduledFault fault, DateTimeOffset loadStart)
    {
        return fault.Kind switch
        {
            FaultKind.SiloKill or FaultKind.SiloTerm => await TakeDownAsync(fault, cluster.Silos, loadStart),
            FaultKind.GatewayKill or FaultKind.GatewayTerm => await TakeDownAsync(fault, cluster.Gateways, loadStart),
            FaultKind.RedisRestart => await OutageAsync(fault, _redis, "redis", loadStart, async () =>
            {
                var graceful = await cluster.Redis.StopAsync();
                return graceful ? "SIGTERM (AOF flushed); started again on the same port and data folder" : "did not stop on SIGTERM: killed";
            }, () => cluster.Redis.StartAsync()),
            FaultKind.S3Outage => await OutageAsync(fault, _s3, "s3rver", loadStart, async () =>
            {
                await cluster.S3.StopAsync();
                return "stopped; started again on the same port and data folder";
            }, () => cluster.S3.StartAsync()),
            _ => throw new ArgumentOutOfRangeException(nameof(fault), fault.Kind, null),
        };
    }

    private async Task<FaultRecord> OutageAsync(
        ScheduledFault fault, SemaphoreSlim gate, string target, DateTimeOffset loadStart, Func<Task<string>> stop, Func<Task> start)
    {
        await gate.WaitAsync();
        var began = DateTimeOffset.UtcNow;
        var unfinished = unfinishedJobs();
        try
        {
            var detail = await stop();
            await Task.Delay(fault.Duration);
            await start();
            return new FaultRecord
            {
                Kind = fault.Kind,
                Target = target,
                Began = began,
                Recovered = DateTimeOffset.UtcNow,
                AtSecond = Second(began, loadStart),
                UnfinishedJobsAtStart = unfinished,
                Detail = detail,
            };
        }
        catch (Exception ex)
        {
            return Failed(fault, target, began, loadStart, unfinished, ex);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>kill -9 or SIGTERM of a random running process of the kind, restarted after the fault's duration.</summary>
    private async Task<FaultRecord> TakeDownAsync(ScheduledFault fault, IReadOnlyList<ServiceSlot> slots, DateTimeOffset loadStart)
    {
        var slot = await PickAsync(slots);
        var began = DateTimeOffset.UtcNow;
        var unfinished = unfinishedJobs();
        if (slot is null)
        {
            return new FaultRecord
            {
                Kind = fault.Kind,
                Target = "-",
                Began = began,
                AtSecond = Second(began, loadStart),
                UnfinishedJobsAtStart = unfinished,
                Error = $"skipped: not two processes of the kind up within {WaitForSpareProcess.TotalSeconds:F0} s",
            };
        }

        try
        {
            bool? graceful = null;
            double? took = null;
            int? exitCode = null;
            int pid;
            if (fault.Kind is FaultKind.SiloKill or FaultKind.GatewayKill)
            {
                pid = await cluster.KillAsync(slot);
            }
            else
            {
                var stopped = await cluster.StopGracefullyAsync(slot, StopDeadline);
                (graceful, took, pid, exitCode) = (stopped.Graceful, Math.Round(stopped.Took.TotalSeconds, 1), stopped.Pid, stopped.ExitCode);
            }

            var rest = began + fault.Duration - DateTimeOffset.UtcNow;
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest);
            }

            await cluster.StartServiceAsync(slot);
            return new FaultRecord
            {
                Kind = fault.Kind,
                Target = slot.Name,
                Began = began,
                Recovered = DateTimeOffset.UtcNow,
                AtSecond = Second(began, loadStart),
                UnfinishedJobsAtStart = unfinished,
                ExitedGracefully = graceful,
                SecondsToExit = took,
                ExitCode = exitCode,
                Detail = $"{(graceful is null ? "SIGKILL" : "SIGTERM")} pid {pid}; restarted as pid {slot.Current?.Process.Pid}",
            };
        }
        catch (Exception ex)
        {
            return Failed(fault, slot.Name, began, loadStart, unfinished, ex);
        }
        finally
        {
            lock (_pickGate)
            {
                _busy.Remove(slot);
            }
        }
    }

    /// <summary>A random running process among <paramref name="slots"/> that no other fault holds, while another one stays up.</summary>
    private async Task<ServiceSlot?> PickAsync(IReadOnlyList<ServiceSlot> slots)
    {
        ServiceSlot? picked = null;
        try
        {
            await Poll.UntilAsync(
                "two processes of the kind to be up",
                WaitForSpareProcess,
                _ =>
                {
                    lock (_pickGate)
                    {
                        var up = slots.Where(s => s.IsUp && !_busy.Contains(s)).ToList();
                        if (up.Count < 2)
                        {
                            return Task.FromResult(false);
                        }

                        picked = up[random.Next(up.Count)];
                        _busy.Add(picked);
                        return Task.FromResult(true);
                    }
                },
                interval: TimeSpan.FromMilliseconds(250));
            return picked;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static double Second(DateTimeOffset at, DateTimeOffset loadStart) => Math.Round((at - loadStart).TotalSeconds, 1);

    private static FaultRecord Failed(ScheduledFault fault, string target, DateTimeOffset began, DateTimeOffset loadStart, int unfinished, Exception ex) => new()
    {
        Kind = fault.Kind,
        Target = target,
        Began = began,
        AtSecond = Second(began, loadStart),
        UnfinishedJobsAtStart = unfinished,
        Error = $"{ex.GetType().Name}: {ex.Message.Split('\n')[0]}",
    };
}
