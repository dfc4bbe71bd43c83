using Amazon.S3;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.S3;

namespace Delineate.Storage.Tests;

public sealed class S3ClientFactoryTests
{
    [Fact]
    public void An_endpoint_gives_a_path_style_client_with_few_retries()
    {
        using var client = S3ClientFactory.Create(new StorageOptions
        {
            S3Endpoint = "http://127.0.0.1:9000",
            S3Region = "eu-west-1",
            S3AccessKeyId = "k",
            S3SecretAccessKey = "s",
        });

        var config = (AmazonS3Config)client.Config;
        Assert.StartsWith("http://127.0.0.1:9000", config.ServiceURL, StringComparison.Ordinal);
        Assert.True(config.ForcePathStyle);
        Assert.Equal("eu-west-1", config.AuthenticationRegion);
        Assert.Equal(S3ClientFactory.MaxErrorRetry, config.MaxErrorRetry);
    }

    [Fact]
    public void No_endpoint_means_the_region()
    {
        using var client = S3ClientFactory.Create(new StorageOptions
        {
            S3Region = "eu-central-1",
            S3AccessKeyId = "k",
            S3SecretAccessKey = "s",
        });

        Assert.Equal("eu-central-1", client.Config.RegionEndpoint?.SystemName);
        Assert.Null(client.Config.ServiceURL);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000", "HTTP")]
    [InlineData("https://s3.example.test", "HTTPS")]
    [InlineData(null, "HTTPS")]
    public void Presigned_urls_follow_the_endpoint_scheme(string? endpoint, string expected)
    {
        var protocol = S3ClientFactory.PresignProtocol(new StorageOptions { S3Endpoint = endpoint });

        Assert.Equal(expected, protocol.ToString());
    }

    [Fact]
    public void Presigned_urls_against_an_http_endpoint_are_http_with_a_file_name()
    {
        var options = new StorageOptions
        {
            S3Endpoint = "http://127.0.0.1:9000",
            S3BucketName = "downloads",
            S3AccessKeyId = "k",
            S3SecretAccessKey = "s",
        };
        using var client = S3ClientFactory.Create(options);
        var source = new S3FileSource(client, Microsoft.Extensions.Options.Options.Create(options));

        var url = source.GetDownloadUrl(new SourceFile(70000, StorageKeys.Source(70000), 10), DateTimeOffset.UtcNow.AddMinutes(10));

        Assert.StartsWith("http://127.0.0.1:9000/downloads/downloads/70000.zip?", url, StringComparison.Ordinal);
        Assert.Contains("response-content-disposition=attachment%3B%20filename%3D%2270000.zip%22", url, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Expires=", url, StringComparison.Ordinal);
    }
}
