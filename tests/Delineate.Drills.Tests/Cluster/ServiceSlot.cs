namespace Delineate.Drills.Tests.Cluster;

/// <summary>
/// One silo or gateway position in the drill cluster. The process in it changes when the drill kills
/// and restarts it (a restart gets new ports; the log file is the same, appended to).
/// </summary>
public sealed class ServiceSlot(string name, ServiceKind kind)
{
    private readonly Lock _gate = new();
    private ServiceProcess? _current;

    public string Name { get; } = name;

    public ServiceKind Kind { get; } = kind;

    /// <summary>How many processes this slot has had (1 after the first start).</summary>
    public int Generation { get; private set; }

    /// <summary>The running process, or null while it is down.</summary>
    public ServiceProcess? Current
    {
        get
        {
            lock (_gate)
            {
                return _current is { Process.HasExited: false } running ? running : null;
            }
        }
    }

    /// <summary>The last process, running or not (for its log).</summary>
    public ServiceProcess? Last
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    public bool IsUp => Current is not null;

    internal void Attach(ServiceProcess process)
    {
        lock (_gate)
        {
            _current = process;
            Generation++;
        }
    }

    internal ServiceProcess? Detach()
    {
        lock (_gate)
        {
            var process = _current;
            _current = null;
            return process;
        }
    }

    public override string ToString() => Current is { } p ? $"{Name} (pid {p.Process.Pid}, {p.BaseAddress})" : $"{Name} (down)";
}
