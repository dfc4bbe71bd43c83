using System.Net;
using Delineate.Grains.Options;
using Delineate.Grains.Webhooks;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Tests.Webhooks;

/// <summary>The SSRF guard: which addresses are public, which callback URLs pass, and the send-time resolution check.</summary>
public sealed class WebhookAddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.254")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("192.0.2.10")]
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::127.0.0.1")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("2002:c0a8:101::1")]
    public void Private_loopback_link_local_and_special_addresses_are_not_public(string address)
    {
        Assert.False(WebhookAddressPolicy.IsPublic(IPAddress.Parse(address)), address);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("11.0.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void Public_addresses_are_public(string address)
    {
        Assert.True(WebhookAddressPolicy.IsPublic(IPAddress.Parse(address)), address);
    }

    [Theory]
    [InlineData("https://example.com/hooks/delineate")]
    [InlineData("http://example.com:8080/hook?x=1")]
    [InlineData("https://hooks.example.org")]
    [InlineData("http://8.8.8.8/hook")]
    [InlineData("http://[2606:4700:4700::1111]/hook")]
    [InlineData("https://internal.example.com/hook")]
    public void Public_http_and_https_urls_pass(string url)
    {
        Assert.Null(WebhookAddressPolicy.Check(url, allowPrivateNetworks: false));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost/hook")]
    [InlineData("http://LOCALHOST./hook")]
    [InlineData("http://api.localhost/hook")]
    [InlineData("http://[::1]:9000/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://10.0.0.5/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://192.168.0.1/")]
    [InlineData("http://100.64.1.1/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f000001/")]
    [InlineData("http://017700000001/")]
    [InlineData("http://127.1/")]
    public void Private_destinations_are_refused_unless_allowed(string url)
    {
        Assert.NotNull(WebhookAddressPolicy.Check(url, allowPrivateNetworks: false));
        Assert.Null(WebhookAddressPolicy.Check(url, allowPrivateNetworks: true));
    }

    [Theory]
    [InlineData("ftp://example.com/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://example.com/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("ws://example.com/hook")]
    [InlineData("/relative/hook")]
    [InlineData("example.com/hook")]
    [InlineData("not a url")]
    [InlineData("")]
    [InlineData("https://user:secret@example.com/hook")]
    public void Other_schemes_relative_urls_and_credentials_are_refused_even_when_private_networks_are_allowed(string url)
    {
        Assert.NotNull(WebhookAddressPolicy.Check(url, allowPrivateNetworks: true));
        Assert.NotNull(WebhookAddressPolicy.Check(url, allowPrivateNetworks: false));
    }

    [Fact]
    public void An_overlong_url_is_refused()
    {
        Assert.NotNull(WebhookAddressPolicy.Check("https://example.com/" + new string('a', WebhookAddressPolicy.MaxUrlLength), allowPrivateNetworks: true));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("10.0.0.1")]
    public async Task At_send_time_a_host_that_resolves_to_private_addresses_is_refused(string host)
    {
        var connector = new WebhookConnector(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()));

        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() => connector.ResolveAsync(host, CancellationToken.None));
        Assert.Equal(host.Trim('[', ']'), refused.Host);
    }

    [Fact]
    public async Task At_send_time_private_addresses_are_used_when_allowed_and_public_ones_always()
    {
        var allowing = new WebhookConnector(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { AllowPrivateNetworks = true }));
        var guarded = new WebhookConnector(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()));

        Assert.Contains(await allowing.ResolveAsync("localhost", CancellationToken.None), IPAddress.IsLoopback);
        Assert.Equal([IPAddress.Parse("8.8.8.8")], await guarded.ResolveAsync("8.8.8.8", CancellationToken.None));
    }
}
