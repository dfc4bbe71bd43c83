using System.Net;
using Delineate.Grains.Storage;

namespace Delineate.Storage.Tests;

[Collection(S3rverCollection.Name)]
public sealed class S3FileSourceTests(S3rverFixture s3rver) : IAsyncLifetime
{
    private const int From = 70000;
    private const int To = 70100;
    private readonly string _bucket = Buckets.Unique("source");
    private int _seeded;

    public async Task InitializeAsync() => _seeded = await s3rver.Seeder(_bucket).SeedAsync(From, To, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Seeding_writes_every_id_of_the_range_that_exists()
    {
        var expected = Enumerable.Range(From, To - From + 1).Count(SyntheticCatalogue.Exists);

        Assert.Equal(15, expected);
        Assert.Equal(expected, _seeded);
    }

    [Fact]
    public async Task Lookup_finds_a_seeded_file_with_its_size()
    {
        var file = await s3rver.FileSource(_bucket).LookupAsync(70007, CancellationToken.None);

        Assert.NotNull(file);
        Assert.Equal(70007, file.FileId);
        Assert.Equal("downloads/70007.zip", file.Key);
        Assert.Equal(SyntheticCatalogue.SizeOf(70007), file.Size);
    }

    [Theory]
    [InlineData(70001)]   // not in the catalogue
    [InlineData(70707)]   // in the catalogue, outside the seeded range
    public async Task Lookup_of_a_missing_file_is_null(int fileId)
    {
        var file = await s3rver.FileSource(_bucket).LookupAsync(fileId, CancellationToken.None);

        Assert.Null(file);
    }

    [Fact]
    public async Task Lookup_in_a_missing_bucket_is_null()
    {
        var file = await s3rver.FileSource(Buckets.Unique("absent")).LookupAsync(70000, CancellationToken.None);

        Assert.Null(file);
    }

    [Fact]
    public async Task OpenRead_gives_the_synthetic_bytes()
    {
        var source = s3rver.FileSource(_bucket);
        var file = await source.LookupAsync(70098, CancellationToken.None);
        Assert.NotNull(file);

        byte[] bytes;
        await using (var stream = await source.OpenReadAsync(file, CancellationToken.None))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            bytes = copy.ToArray();
        }

        Assert.Equal(Buckets.Synthetic(70098), bytes);
    }

    [Fact]
    public async Task Presigned_url_is_http_and_downloads_the_file_under_its_name()
    {
        var source = s3rver.FileSource(_bucket);
        var file = await source.LookupAsync(70014, CancellationToken.None);
        Assert.NotNull(file);

        var url = source.GetDownloadUrl(file, DateTimeOffset.UtcNow.AddMinutes(5));

        Assert.StartsWith(s3rver.Endpoint + "/", url, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Signature=", url, StringComparison.Ordinal);
        using var http = new HttpClient();
        using var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Buckets.Synthetic(70014), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment; filename=\"70014.zip\"", response.Content.Headers.ContentDisposition?.ToString());
    }
}
