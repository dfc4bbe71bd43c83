using Amazon.S3;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.S3;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delineate.Storage.Tests.Infrastructure;

/// <summary>
/// The toolkit's <see cref="S3Server"/> (a real s3rver on a free loopback port with its own data
/// folder, stopped by its PID), started once for the test collection, and the storage adapters
/// under test pointed at it.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private TestDirectory? _directory;
    private S3Server? _server;

    public string Endpoint { get; private set; } = "";

    public AmazonS3Client Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("storage-s3rver");
        _server = await S3Server.StartAsync(_directory);
        Endpoint = _server.Endpoint.ToString().TrimEnd('/');
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

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _directory?.Dispose();
    }
}
