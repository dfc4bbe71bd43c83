using Delineate.Grains.Options;
using Microsoft.Extensions.Configuration;

namespace Delineate.Grains.Tests.Options;

public sealed class StorageOptionsTests
{
    [Theory]
    [InlineData(null, null, "synthetic")]
    [InlineData(null, "downloads", "s3")]
    [InlineData("synthetic", "downloads", "synthetic")]
    [InlineData(" S3 ", null, "s3")]
    public void The_file_source_follows_FILE_SOURCE_else_the_bucket(string? fileSource, string? bucket, string expected) =>
        Assert.Equal(expected, Bind(new() { ["FILE_SOURCE"] = fileSource, ["S3_BUCKET_NAME"] = bucket }).EffectiveFileSource);

    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(new StorageOptionsValidator().Validate(null, new StorageOptions()).Succeeded);

    [Theory]
    [InlineData("FILE_SOURCE", "ftp")]
    [InlineData("S3_ENDPOINT", "localhost:9000")]
    [InlineData("S3_ENDPOINT", "ftp://localhost:9000")]
    [InlineData("S3_REGION", " ")]
    [InlineData("S3_BUCKET_NAME", "Bad_Bucket")]
    [InlineData("S3_BUCKET_NAME", "ab")]
    [InlineData("S3_UPLOAD_PART_SIZE_MB", "4")]
    [InlineData("SOURCE_LOOKUP_CACHE_SECONDS", "-1")]
    [InlineData("SOURCE_LOOKUP_CACHE_SECONDS", "3601")]
    [InlineData("BLOB_SIGNING_KEY", "too-short")]
    public void A_bad_value_is_reported_by_its_variable_name(string variable, string value)
    {
        var result = new StorageOptionsValidator().Validate(null, Bind(new() { [variable] = value }));

        Assert.True(result.Failed);
        Assert.StartsWith(variable + " ", Assert.Single(result.Failures!));
    }

    [Fact]
    public void A_generated_signing_key_is_stable_for_one_options_instance()
    {
        var options = new StorageOptions();

        Assert.Equal(options.EffectiveBlobSigningKey, options.EffectiveBlobSigningKey);
        Assert.NotEqual(options.EffectiveBlobSigningKey, new StorageOptions().EffectiveBlobSigningKey);
        Assert.Equal("configured-key-0123456789", new StorageOptions { BlobSigningKey = "configured-key-0123456789" }.EffectiveBlobSigningKey);
    }

    private static StorageOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Get<StorageOptions>()!;
}
