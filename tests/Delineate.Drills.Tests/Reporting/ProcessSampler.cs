using System.Collections.Concurrent;
using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Reporting;

/// <summary>Reads resident memory, open file descriptors and threads of every running silo and gateway from /proc.</summary>
public sealed class ProcessSampler(DrillCluster cluster)
{
    private readonly ConcurrentQueue<ProcessSample> _samples = new();

    public IReadOnlyList<ProcessSample> Samples => _samples.OrderBy(s => s.Second).ThenBy(s => s.Process, StringComparer.Ordinal).ToList();

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

public sealed record ProcessSample(double Second, string Process, int Generation, int Pid, double RssMb, int OpenFds, int Threads);
