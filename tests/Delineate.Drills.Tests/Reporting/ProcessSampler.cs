using System.Collections.Concurrent;
using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Reporting;

/// <summary>Reads resident memory, open file descriptors and threads of every running silo and gateway from /proc.</summary>
public sealed class ProcessSampler(DrillCluster cluster)
{
    private readonly ConcurrentQueue<ProcessSample> _samples = new();
    private readonly ConcurrentQueue<double> _load = new();

    public IReadOnlyList<ProcessSample> Samples => _samples.OrderBy(s => s.Second).ThenBy(s => s.Process, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The machine's 1-minute load average over the run (from /proc/loadavg). Durations measured
    /// while other work shares the cores say more about the machine than about the service.
    /// </summary>
    public MachineLoad Load
    {
        get
        {
            var samples = _load.ToArray();
            return samples.Length == 0
                ? new MachineLoad(Environment.ProcessorCount, 0, 0, 0)
                : new MachineLoad(Environment.ProcessorCount, samples.Length, Math.Round(samples.Average(), 1), samples.Max());
        }
    }

    /// <summary>Samples the load average every few seconds (every drill), and the processes only when asked.</summary>
    public async Task RunLoadAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                _load.Enqueue(double.Parse(first, System.Globalization.CultureInfo.InvariantCulture));
                await Task.Delay(TimeSpan.FromSeconds(5), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or FormatException)
            {
                return;
            }
        }
    }

    public async Task RunAsync(DateTimeOffset start, TimeSpan every, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            SampleOnce(start);
            try
            {
                await Task.Delay(every, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void SampleOnce(DateTimeOffset start)
    {
        var second = Math.Round((DateTimeOffset.UtcNow - start).TotalSeconds);
        foreach (var slot in cluster.AllServices)
        {
            if (slot.Current is { } process && Read(process.Process.Pid) is { } reading)
            {
                _samples.Enqueue(new ProcessSample(second, slot.Name, slot.Generation, process.Process.Pid, reading.RssMb, reading.Fds, reading.Threads));
            }
        }
    }

    private static (double RssMb, int Fds, int Threads)? Read(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            double rssKb = 0;
            var threads = 0;
            foreach (var line in status)
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rssKb = double.Parse(line.Split(':', StringSplitOptions.TrimEntries)[1].Split(' ')[0]);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line.Split(':', StringSplitOptions.TrimEntries)[1]);
                }
            }

            var fds = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
            return (Math.Round(rssKb / 1024, 1), fds, threads);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
