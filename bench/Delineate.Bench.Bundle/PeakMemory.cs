using System.Globalization;

namespace Delineate.Bench.Bundle;

/// <summary>The process's peak resident set size (VmHWM in /proc/self/status).</summary>
public static class PeakMemory
{
    public static double PeakRssMib() => ReadKib("VmHWM:") / 1024.0;

    public static double CurrentRssMib() => ReadKib("VmRSS:") / 1024.0;

    private static long ReadKib(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                // "VmHWM:	  123456 kB"
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
