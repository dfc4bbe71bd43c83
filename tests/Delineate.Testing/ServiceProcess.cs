using System.Net;

namespace Delineate.Testing;

/// <summary>One of our .NET hosts (gateway or silo) run from its build output, serving HTTP on a loopback port.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    /// <summary>How long a host gets from launch to a 200 on <c>/health/live</c>.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private ServiceProcess(ManagedProcess process, int httpPort, IReadOnlyDictionary<string, string?> environment)
    {
        Process = process;
        HttpPort = httpPort;
        Environment = environment;
    }

    public ManagedProcess Process { get; }

    public int HttpPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>The variables this process was started with (on top of the inherited environment).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>Runs <c>dotnet DLL --urls http://127.0.0.1:PORT</c> and waits for <c>/health/live</c> to answer 200.</summary>
    public static async Task<ServiceProcess> StartAsync(
        string name,
        string dll,
        int httpPort,
        IReadOnlyDictionary<string, string?> environment,
        TestDirectory directory)
    {
        var process = ManagedProcess.Start(
            name,
            "dotnet",
            [dll, "--urls", $"http://127.0.0.1:{httpPort}"],
            WithHostDefaults(environment),
            directory.LogFile(name),
            Path.GetDirectoryName(dll));
        var service = new ServiceProcess(process, httpPort, environment);
        try
        {
            await service.WaitUntilLiveAsync(StartTimeout);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>dotnet DLL args…</c> to completion (a command such as <c>seed</c>); returns the finished process.</summary>
    public static async Task<ManagedProcess> RunCommandAsync(
        string name,
        string dll,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        TestDirectory directory,
        TimeSpan timeout)
    {
        var process = ManagedProcess.Start(
            name,
            "dotnet",
            [dll, .. arguments],
            WithHostDefaults(environment),
            directory.LogFile(name),
            Path.GetDirectoryName(dll));
        if (!await process.WaitForExitAsync(timeout))
        {
            var tail = process.Tail();
            await process.DisposeAsync();
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:F0} s.\n{tail}");
        }

        return process;
    }

    public Task WaitUntilLiveAsync(TimeSpan timeout) => WaitForOkAsync(BaseAddress, "/health/live", Process, timeout, TimeSpan.FromMilliseconds(200));

    /// <summary>Waits for <c>/health/ready</c> to answer 200: for a silo, it has joined; for a clustered gateway, it reached the cluster.</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout) => WaitForOkAsync(BaseAddress, "/health/ready", Process, timeout);

    /// <summary>
    /// Asks <paramref name="path"/> of <paramref name="baseAddress"/> until it answers 200; fails at once
    /// if <paramref name="process"/> exits, and names the last answer if the deadline passes.
    /// </summary>
    public static async Task WaitForOkAsync(Uri baseAddress, string path, ManagedProcess process, TimeSpan timeout, TimeSpan? interval = null)
    {
        using var http = new HttpClient();
        var url = new Uri(baseAddress, path);
        var last = "none";
        await Poll.UntilAsync(
            $"{process.Name} to answer 200 on {url}",
            timeout,
            async ct =>
            {
                process.ThrowIfExited();
                using var response = await http.GetAsync(url, ct);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
                return response.StatusCode == HttpStatusCode.OK;
            },
            () => $"last answer: {last}\n{process.Tail()}",
            interval ?? TimeSpan.FromMilliseconds(250));
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static Dictionary<string, string?> WithHostDefaults(IReadOnlyDictionary<string, string?> environment)
    {
        // Nothing inherited may move the host off the port it was given.
        var merged = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
            ["DOTNET_URLS"] = null,
            ["PORT"] = null,
            ["DOTNET_NOLOGO"] = "1",
        };
        foreach (var (key, value) in environment)
        {
            merged[key] = value;
        }

        return merged;
    }
}
