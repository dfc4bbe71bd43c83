namespace Delineate.Testing;

/// <summary>
/// s3rver (from .tools/) on a fixed loopback port and data folder, so it can be stopped and
/// started again with its objects intact. It does not check signatures: a plain GET of
/// <c>/{bucket}/{key}</c> reads an object.
/// </summary>
public sealed class S3Server : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TestDirectory _directory;
    private readonly string _dataFolder;
    private ManagedProcess? _process;

    private S3Server(TestDirectory directory, int port)
    {
        _directory = directory;
        Port = port;
        _dataFolder = directory.DataFolder("s3");
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public ManagedProcess Process => _process ?? throw new InvalidOperationException("s3rver is not running.");

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<S3Server> StartAsync(TestDirectory directory)
    {
        var server = new S3Server(directory, FreePorts.Allocate());
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (again) on the same port and data folder; waits until GET / answers.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("s3rver is already running.");
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        // --silent: without it, paged ListObjectsV2 answers 500 (docs/platform-notes.md).
        var process = ManagedProcess.Start(
            "s3rver",
            RepositoryLayout.S3rverBin,
            ["-d", _dataFolder, "-a", "127.0.0.1", "-p", Port.ToString(), "--silent"],
            new Dictionary<string, string?> { ["NODE_OPTIONS"] = "--openssl-legacy-provider" },
            _directory.LogFile("s3rver"),
            _directory.Path);
        _process = process;

        using var http = new HttpClient();
        await Poll.UntilAsync(
            $"s3rver on {Endpoint} to answer GET /",
            StartTimeout,
            async ct =>
            {
                process.ThrowIfExited();
                using var response = await http.GetAsync(Endpoint, ct);
                return (int)response.StatusCode < 500;
            },
            () => process.Tail());
    }

    /// <summary>SIGTERM, then SIGKILL after the deadline.</summary>
    public Task StopAsync() => _process?.StopGracefullyAsync(TimeSpan.FromSeconds(10)) ?? Task.FromResult(true);

    /// <summary>SIGKILL: the crash drill.</summary>
    public void Kill() => _process?.Kill();

    public Uri ObjectUri(string bucket, string key) => new(Endpoint, $"/{bucket}/{key}");

    /// <summary>
    /// The variables that point a silo or gateway at s3rver (or at a proxy in front of it, <paramref name="endpoint"/>)
    /// for its source files and exports; <c>FILE_SOURCE=s3</c> unless <paramref name="fileSource"/> says otherwise.
    /// </summary>
    public static Dictionary<string, string?> ClientEnvironment(Uri endpoint, string bucket = "downloads", string fileSource = "s3") => new()
    {
        ["S3_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
        ["S3_REGION"] = "us-east-1",
        ["S3_ACCESS_KEY_ID"] = "S3RVER",
        ["S3_SECRET_ACCESS_KEY"] = "S3RVER",
        ["S3_BUCKET_NAME"] = bucket,
        ["S3_FORCE_PATH_STYLE"] = "true",
        ["FILE_SOURCE"] = fileSource,
    };

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
