using System.Security.Cryptography;
using System.Text;
using Delineate.Grains.Webhooks;

namespace Delineate.Grains.Tests.Webhooks;

/// <summary>The <c>Delineate-Signature</c> scheme: HMAC-SHA256 over "t.body", checked against an independent HMAC.</summary>
public sealed class WebhookSignerTests
{
    private const string Secret = "webhook-tests-secret-0123456789abcdef";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"type":"completed","jobId":"0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b"}""");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_764_806_400);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebhookSigner _signer = new(Secret);

    [Fact]
    public void The_header_is_t_then_v1_the_lower_hex_hmac_of_t_dot_body()
    {
        var header = _signer.Sign(Now.ToUnixTimeSeconds(), Body);

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes("1764806400.").Concat(Body).ToArray());
        Assert.Equal($"t=1764806400,v1={Convert.ToHexString(expected).ToLowerInvariant()}", header);
    }

    [Fact]
    public void Its_own_signature_verifies_within_the_tolerance_either_side()
    {
        var header = _signer.Sign(Now.ToUnixTimeSeconds(), Body);

        Assert.True(_signer.Verify(header, Body, Now, Tolerance));
        Assert.True(_signer.Verify(header, Body, Now + Tolerance, Tolerance));
        Assert.True(_signer.Verify(header, Body, Now - Tolerance, Tolerance));
    }

    [Fact]
    public void An_old_or_future_timestamp_is_rejected()
    {
        var header = _signer.Sign(Now.ToUnixTimeSeconds(), Body);

        Assert.False(_signer.Verify(header, Body, Now + Tolerance + TimeSpan.FromSeconds(1), Tolerance));
        Assert.False(_signer.Verify(header, Body, Now - Tolerance - TimeSpan.FromSeconds(1), Tolerance));
    }

    [Fact]
    public void A_changed_body_timestamp_or_key_is_rejected()
    {
        var header = _signer.Sign(Now.ToUnixTimeSeconds(), Body);
        var changedBody = Body.ToArray();
        changedBody[^2] ^= 1;
        var signature = header[(header.IndexOf(",v1=", StringComparison.Ordinal) + 4)..];

        Assert.False(_signer.Verify(header, changedBody, Now, Tolerance));
        Assert.False(_signer.Verify($"t={Now.ToUnixTimeSeconds() + 1},v1={signature}", Body, Now, Tolerance));
        Assert.False(new WebhookSigner(Secret + "x").Verify(header, Body, Now, Tolerance));
    }

    [Fact]
    public void Any_matching_v1_among_several_verifies_and_unknown_schemes_are_skipped()
    {
        var header = _signer.Sign(Now.ToUnixTimeSeconds(), Body);
        var signature = header[(header.IndexOf(",v1=", StringComparison.Ordinal) + 4)..];

        Assert.True(_signer.Verify($"t={Now.ToUnixTimeSeconds()},v1={new string('0', 64)},v1={signature},v9=whatever", Body, Now, Tolerance));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=00")]
    [InlineData("t=1764806400")]
    [InlineData("t=abc,v1=00")]
    [InlineData("t=-5,v1=00")]
    [InlineData("t=1764806400,v1=not-hex")]
    [InlineData("t=1764806400,v1")]
    [InlineData("garbage")]
    public void A_malformed_header_is_rejected(string? header)
    {
        Assert.False(_signer.Verify(header, Body, Now, Tolerance));
    }
}
