using Delineate.Grains.Storage;
using Delineate.Grains.Storage.S3;

namespace Delineate.Storage.Tests;

/// <summary>An endpoint where nothing listens: what the job layer sees must count as transient.</summary>
public sealed class TransientErrorTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly Amazon.S3.AmazonS3Client _client;
    private readonly Grains.Options.StorageOptions _options;

    public TransientErrorTests(ITestOutputHelper output)
    {
        _output = output;
        _options = new Grains.Options.StorageOptions
        {
            S3Endpoint = $"http://127.0.0.1:{FreePorts.Allocate()}",
            S3BucketName = "closed",
            S3AccessKeyId = "k",
            S3SecretAccessKey = "s",
        };
        _client = S3ClientFactory.Create(_options);
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_refused_lookup_is_transient()
    {
        var source = new S3FileSource(_client, Microsoft.Extensions.Options.Options.Create(_options));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => source.LookupAsync(70000, CancellationToken.None));
        _output.WriteLine($"after {clock.ElapsedMilliseconds} ms: {Describe(error)}");

        Assert.True(TransientErrors.IsTransient(error), $"{error.GetType()}: {error.Message} (inner {error.InnerException?.GetType()})");
    }

    [Fact]
    public async Task A_refused_upload_start_is_transient_and_health_is_false()
    {
        var store = new S3ExportStore(
            _client, Microsoft.Extensions.Options.Options.Create(_options),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<S3ExportStore>.Instance);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => store.BeginUploadAsync("exports/x.zip", expectedSize: 0, CancellationToken.None));

        Assert.True(TransientErrors.IsTransient(error), $"{error.GetType()}: {error.Message} (inner {error.InnerException?.GetType()})");
        Assert.False(await store.IsHealthyAsync(CancellationToken.None));
    }

    [Fact]
    public void A_not_found_is_not_transient()
    {
        var notFound = new Amazon.S3.AmazonS3Exception("Not Found") { StatusCode = System.Net.HttpStatusCode.NotFound };
        var serverError = new Amazon.S3.AmazonS3Exception("Internal") { StatusCode = System.Net.HttpStatusCode.InternalServerError };

        Assert.False(TransientErrors.IsTransient(notFound));
        Assert.True(TransientErrors.IsTransient(serverError));
    }

    private static string Describe(Exception error) =>
        error.InnerException is null ? error.GetType().FullName! : $"{error.GetType().FullName} <- {Describe(error.InnerException)}";
}
