using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.S3;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.S3;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delineate.Storage.Tests.Infrastructure;

/// <summary>
/// A real s3rver process on a free loopback port with its own data folder; started once for the
/// test collection and stopped by its process id.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly StringBuilder _output = new();
    private Process? _process;
    private string? _dataDirectory;

    public string Endpoint { get; private set; } = "";

    public AmazonS3Client Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _dataDirectory = Directory.CreateTempSubdirectory("delineate-s3rver-").FullName;
        var port = FreePort();
        Endpoint = $"http://127.0.0.1:{port}";

        var start = new ProcessStartInfo(RepositoryLayout.S3rverBin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-d", _dataDirectory, "-a", "127.0.0.1", "-p", port.ToString(), "--silent" })
        {
            start.ArgumentList.Add(argument);
        }
        // Without it, paged ListObjectsV2 answers 500 on current node (docs/platform-notes.md).
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";

        _process = Process.Start(start) ?? throw new InvalidOperationException("s3rver did not start.");
        _process.OutputDataReceived += (_, e) => Capture(e.Data);
        _process.ErrorDataReceived += (_, e) => Capture(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await WaitUntilListeningAsync(port);
        Client = S3ClientFactory.Create(Options());
    }

    /// <summary>Storage options for this server and the given bucket.</summary>
    public StorageOptions Options(string bucket = StorageOptions.DefaultBucket, int partSizeMb = 5) => new()
    {
        S3Endpoint = Endpoint,
        S3BucketName = bucket,
        S3AccessKeyId = "S3RVER",
        S3SecretAccessKey = "S3RVER",
        S3ForcePathStyle = true,
        UploadPartSizeMb = partSizeMb,
    };

    public S3ExportStore ExportStore(string bucket, int partSizeMb = 5, IAmazonS3? client = null) =>
        new(client ?? Client, Microsoft.Extensions.Options.Options.Create(Options(bucket, partSizeMb)), NullLogger<S3ExportStore>.Instance);

    public S3FileSource FileSource(string bucket) =>
        new(Client, Microsoft.Extensions.Options.Options.Create(Options(bucket)));

    public SourceSeeder Seeder(string bucket) =>
        new(Client, Microsoft.Extensions.Options.Options.Create(Options(bucket)), NullLogger<SourceSeeder>.Instance);

    public Task DisposeAsync()
    {
        Client?.Dispose();
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5_000);
                }
            }
            finally
            {
                process.Dispose();
            }
        }
        if (_dataDirectory is not null && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        return Task.CompletedTask;
    }

    /// <summary>A port nothing listens on: the kernel picked it free and it was closed again.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task WaitUntilListeningAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with {_process.ExitCode}:\n{Output()}");
            }
            using var client = new TcpClient();
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token);
                return;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                if (clock.Elapsed > StartTimeout)
                {
                    throw new TimeoutException($"s3rver did not listen on {port} within {StartTimeout.TotalSeconds} s:\n{Output()}");
                }
            }
            await Task.Delay(50);
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}
