using System.Net;
using System.Net.Sockets;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// Which callback URLs and addresses a webhook may go to (the SSRF guard). Only absolute http and
/// https URLs without credentials; unless private networks are allowed, no destination that is
/// private, loopback, link-local, unspecified, multicast, shared (CGNAT) or otherwise not on the
/// public internet. Literal addresses are checked when the URL is given; host names are checked
/// again after DNS resolution, on every connection (<see cref="WebhookConnector"/>).
/// </summary>
public static class WebhookAddressPolicy
{
    public const int MaxUrlLength = 2048;

    private static readonly System.Net.IPNetwork[] NonPublic =
    [
        // IPv4: "this network", RFC 1918, CGNAT, loopback, link-local (cloud metadata), IETF protocol
        // assignments, documentation, the 6to4 relay, benchmarking, multicast, reserved and broadcast.
        Net("0.0.0.0/8"), Net("10.0.0.0/8"), Net("100.64.0.0/10"), Net("127.0.0.0/8"), Net("169.254.0.0/16"),
        Net("172.16.0.0/12"), Net("192.0.0.0/24"), Net("192.0.2.0/24"), Net("192.88.99.0/24"), Net("192.168.0.0/16"),
        Net("198.18.0.0/15"), Net("198.51.100.0/24"), Net("203.0.113.0/24"), Net("224.0.0.0/4"), Net("240.0.0.0/4"),
        // IPv6: unspecified, loopback and IPv4-compatible; local-use NAT64; discard; Teredo; documentation;
        // unique local; site-local; link-local; multicast.
        Net("::/96"), Net("64:ff9b:1::/48"), Net("100::/64"), Net("2001::/32"), Net("2001:db8::/32"),
        Net("fc00::/7"), Net("fec0::/10"), Net("fe80::/10"), Net("ff00::/8"),
    ];

    private static readonly System.Net.IPNetwork Nat64 = Net("64:ff9b::/96");
    private static readonly System.Net.IPNetwork SixToFour = Net("2002::/16");

    /// <summary>True when <paramref name="address"/> is on the public internet.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // Addresses that carry an IPv4 address reach it: judge that one.
            if (address.IsIPv4MappedToIPv6)
            {
                return IsPublic(address.MapToIPv4());
            }
            var bytes = address.GetAddressBytes();
            if (Nat64.Contains(address))
            {
                return IsPublic(new IPAddress(bytes.AsSpan(12, 4)));
            }
            if (SixToFour.Contains(address))
            {
                return IsPublic(new IPAddress(bytes.AsSpan(2, 4)));
            }
        }
        else if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        foreach (var network in NonPublic)
        {
            if (network.Contains(address))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Null when <paramref name="url"/> may be a callback URL, else what is wrong with it. Host names
    /// are not resolved here (they are at send time), except the <c>localhost</c> names, which are
    /// loopback by definition.
    /// </summary>
    public static string? Check(string url, bool allowPrivateNetworks)
    {
        if (url.Length > MaxUrlLength)
        {
            return $"Must be at most {MaxUrlLength} characters (had {url.Length}).";
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
        {
            return "Must be an absolute http or https URL, like https://example.com/hooks/delineate.";
        }
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
        {
            return "Must use http or https.";
        }
        if (uri.UserInfo.Length > 0)
        {
            return "Must not carry a user name or password (it would show in the job's status).";
        }
        if (uri.IdnHost.Length == 0)
        {
            return "Must name a host.";
        }
        if (allowPrivateNetworks)
        {
            return null;
        }
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal))
        {
            return IsPublic(literal) ? null : $"Must not point at a private, loopback, link-local or other non-public address ({literal}).";
        }
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "Must not point at a loopback address (localhost).";
        }
        return null;
    }

    private static System.Net.IPNetwork Net(string cidr) => System.Net.IPNetwork.Parse(cidr);
}
