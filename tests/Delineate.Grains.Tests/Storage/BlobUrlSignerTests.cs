using System.Web;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Delineate.Grains.Tests.Storage;

public sealed class BlobUrlSignerTests
{
    private const string Key = "exports/0197a0de-0000-7000-8000-000000000001.zip";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_created_url_is_valid_until_it_expires()
    {
        var signer = Signer("grain-tests-signing-key-0123456789");
        var expiresAt = _time.GetUtcNow().AddMinutes(10);
        var url = Parse(signer.CreateUrl(Key, "job.zip", expiresAt));

        Assert.Equal(Key, url.Key);
        Assert.Equal(expiresAt.ToUnixTimeSeconds().ToString(), url.Expires);
        Assert.True(signer.IsValid(url.Key, url.Name, url.Expires, url.Sig));

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(signer.IsValid(url.Key, url.Name, url.Expires, url.Sig), "valid up to its expiry second");

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(signer.IsValid(url.Key, url.Name, url.Expires, url.Sig), "invalid once expired");
    }

    [Fact]
    public void A_tampered_url_is_rejected()
    {
        var signer = Signer("grain-tests-signing-key-0123456789");
        var url = Parse(signer.CreateUrl(Key, "job.zip", _time.GetUtcNow().AddMinutes(10)));
        var laterExpiry = (long.Parse(url.Expires!) + 3600).ToString();
        var flipped = (url.Sig![0] == 'a' ? "b" : "a") + url.Sig[1..];

        Assert.False(signer.IsValid("exports/another.zip", url.Name, url.Expires, url.Sig));
        Assert.False(signer.IsValid(url.Key, "other.zip", url.Expires, url.Sig));
        Assert.False(signer.IsValid(url.Key, url.Name, laterExpiry, url.Sig));
        Assert.False(signer.IsValid(url.Key, url.Name, url.Expires, flipped));
        Assert.False(signer.IsValid(url.Key, url.Name, url.Expires, url.Sig[..^2]));
    }

    [Theory]
    [InlineData(null, "1", "sig")]
    [InlineData("job.zip", null, "sig")]
    [InlineData("job.zip", "soon", "sig")]
    [InlineData("job.zip", "-5", "sig")]
    [InlineData("job.zip", "1", null)]
    public void Missing_or_malformed_parts_are_rejected(string? name, string? expires, string? sig) =>
        Assert.False(Signer("grain-tests-signing-key-0123456789").IsValid(Key, name, expires, sig));

    [Fact]
    public void A_url_signed_with_another_key_is_rejected()
    {
        var url = Parse(Signer("grain-tests-signing-key-0123456789").CreateUrl(Key, "job.zip", _time.GetUtcNow().AddMinutes(10)));

        Assert.False(Signer("another-signing-key-9876543210").IsValid(url.Key, url.Name, url.Expires, url.Sig));
        Assert.False(Signer(null).IsValid(url.Key, url.Name, url.Expires, url.Sig));
    }

    [Fact]
    public void The_file_name_is_escaped_and_still_checks()
    {
        var signer = Signer("grain-tests-signing-key-0123456789");
        var raw = signer.CreateUrl(Key, "a b&c=d.zip", _time.GetUtcNow().AddMinutes(10));
        var url = Parse(raw);

        Assert.Contains("name=a%20b%26c%3Dd.zip", raw);
        Assert.Equal("a b&c=d.zip", url.Name);
        Assert.True(signer.IsValid(url.Key, url.Name, url.Expires, url.Sig));
    }

    private BlobUrlSigner Signer(string? key) =>
        new(Microsoft.Extensions.Options.Options.Create(new StorageOptions { BlobSigningKey = key }), _time);

    private static (string Key, string? Name, string? Expires, string? Sig) Parse(string relativeUrl)
    {
        var uri = new Uri(new Uri("http://gateway"), relativeUrl);
        Assert.StartsWith(BlobUrlSigner.RoutePrefix, uri.AbsolutePath);
        var query = HttpUtility.ParseQueryString(uri.Query);
        return (uri.AbsolutePath[BlobUrlSigner.RoutePrefix.Length..], query["name"], query["expires"], query["sig"]);
    }
}
