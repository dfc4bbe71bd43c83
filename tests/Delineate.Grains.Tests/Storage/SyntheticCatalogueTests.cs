using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.Synthetic;
using Microsoft.Extensions.Time.Testing;

namespace Delineate.Grains.Tests.Storage;

public sealed class SyntheticCatalogueTests
{
    [Theory]
    [InlineData(70_000, true)]
    [InlineData(70_007, true)]
    [InlineData(70_001, false)]
    [InlineData(70_006, false)]
    [InlineData(10_001, false)]
    [InlineData(99_999_991, true)]
    public void A_file_exists_when_its_id_is_a_multiple_of_seven(int fileId, bool exists) =>
        Assert.Equal(exists, SyntheticCatalogue.Exists(fileId));

    [Theory]
    [InlineData(10_001)]
    [InlineData(70_000)]
    [InlineData(99_999_991)]
    public async Task A_file_has_exactly_its_size_in_bytes(int fileId)
    {
        var size = SyntheticCatalogue.SizeOf(fileId);
        using var stream = SyntheticCatalogue.Open(fileId);

        Assert.InRange(size, SyntheticCatalogue.MinSize, SyntheticCatalogue.MinSize + SyntheticCatalogue.SizeSpread - 1);
        Assert.Equal(size, stream.Length);
        Assert.Equal(size, (await Bytes.ReadAllAsync(stream)).LongLength);
    }

    [Fact]
    public async Task Bytes_and_sizes_depend_on_the_id_alone()
    {
        Assert.Equal(SyntheticCatalogue.SizeOf(70_007), SyntheticCatalogue.SizeOf(70_007));
        Assert.Equal(await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_007)), await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_007)));
        Assert.NotEqual(await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_007, 4096)), await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_014, 4096)));
        Assert.NotEqual(SyntheticCatalogue.SizeOf(70_007), SyntheticCatalogue.SizeOf(70_014));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(4096)]
    public async Task Reading_in_any_chunk_size_gives_the_same_bytes(int chunk)
    {
        var whole = await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_021));
        using var stream = SyntheticCatalogue.Open(70_021);
        var pieces = new List<byte>();
        var buffer = new byte[chunk];
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(0, chunk))) > 0)
        {
            pieces.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        Assert.Equal(whole, pieces.ToArray());
    }

    [Fact]
    public async Task A_shorter_stream_of_a_file_is_a_prefix_of_it()
    {
        var whole = await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_028));
        var prefix = await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_028, 1001));

        Assert.Equal(whole[..1001], prefix);
    }

    [Fact]
    public async Task The_synthetic_source_serves_the_catalogue()
    {
        var signer = new BlobUrlSigner(Microsoft.Extensions.Options.Options.Create(new StorageOptions { BlobSigningKey = "0123456789abcdef0123" }), new FakeTimeProvider());
        var source = new SyntheticFileSource(signer);

        var found = await source.LookupAsync(70_035, CancellationToken.None);
        var missing = await source.LookupAsync(70_036, CancellationToken.None);

        Assert.Equal(new SourceFile(70_035, StorageKeys.Source(70_035), SyntheticCatalogue.SizeOf(70_035)), found);
        Assert.Null(missing);
        Assert.Equal(await Bytes.ReadAllAsync(SyntheticCatalogue.Open(70_035)), await Bytes.ReadAllAsync(await source.OpenReadAsync(found!, CancellationToken.None)));
        Assert.StartsWith($"{BlobUrlSigner.RoutePrefix}{StorageKeys.Source(70_035)}?", source.GetDownloadUrl(found!, DateTimeOffset.UtcNow.AddHours(1)));
    }
}
