using Microsoft.AspNetCore.Http;

namespace Delineate.Testing;

/// <summary>
/// A file source in S3 that a test can break: s3rver holding the seeded source files, and a
/// <see cref="FaultyS3Proxy"/> in front of it through which the service reads them (so one file can
/// be made to fail). <see cref="Environment"/> points a gateway or silo at the proxy.
/// </summary>
public sealed class SeededS3Source : IAsyncDisposable
{
    public const string Bucket = "downloads";
    private static readonly TimeSpan SeedTimeout = TimeSpan.FromSeconds(60);

    private SeededS3Source(S3Server s3, FaultyS3Proxy proxy)
    {
        S3 = s3;
        Proxy = proxy;
    }

    public S3Server S3 { get; }

    public FaultyS3Proxy Proxy { get; }

    /// <summary>Starts s3rver and the proxy; nothing is seeded yet (see <see cref="SeedAsync"/>).</summary>
    public static async Task<SeededS3Source> StartAsync(TestDirectory directory)
    {
        var s3 = await S3Server.StartAsync(directory);
        try
        {
            return new SeededS3Source(s3, await FaultyS3Proxy.StartAsync(s3.Endpoint));
        }
        catch
        {
            await s3.DisposeAsync();
            throw;
        }
    }

    /// <summary>The variables that make a process read its source (and write its exports) through the proxy.</summary>
    public Dictionary<string, string?> Environment() => S3Server.ClientEnvironment(Proxy.Endpoint, Bucket);

    /// <summary>Runs <c>Delineate.Silo.dll seed RANGE</c> with <paramref name="environment"/> and asserts it exits 0.</summary>
    public static async Task SeedAsync(string range, IReadOnlyDictionary<string, string?> environment, TestDirectory directory)
    {
        await using var seed = await ServiceProcess.RunCommandAsync("seed", RepositoryLayout.SiloDll, ["seed", range], environment, directory, SeedTimeout);
        Assert.True(seed.ExitCode == 0, $"`Delineate.Silo.dll seed {range}` exited with {seed.ExitCode}\n{seed.Tail()}");
    }

    /// <summary>Requests for source file <paramref name="fileId"/> (object key <c>downloads/ID.zip</c>).</summary>
    public static Func<HttpRequest, bool> IsSourceFile(int fileId) =>
        request => (request.Path.Value ?? "").EndsWith($"/downloads/{fileId}.zip", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await S3.DisposeAsync();
    }
}
