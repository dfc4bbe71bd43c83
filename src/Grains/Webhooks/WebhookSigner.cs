using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// The webhook signature: <c>Delineate-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>,
/// the HMAC keyed by <c>WEBHOOK_SECRET</c> over <c>"&lt;t&gt;.&lt;raw body&gt;"</c>. The timestamp is
/// signed too, so a receiver that rejects an old <c>t</c> cannot be fed a replayed request. Pure: no
/// clock, no I/O.
/// </summary>
public sealed class WebhookSigner
{
    public const string HeaderName = "Delineate-Signature";

    private readonly byte[] _key;

    public WebhookSigner(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public string Sign(long unixSeconds, ReadOnlySpan<byte> body) =>
        string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(Mac(unixSeconds, body))}");

    /// <summary>
    /// True when <paramref name="header"/> carries a <c>v1</c> signature of <paramref name="body"/> by this
    /// key and its <c>t</c> is within <paramref name="tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public bool Verify(string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!TryParse(header, out var timestamp, out var signatures))
        {
            return false;
        }
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > tolerance.TotalSeconds)
        {
            return false;
        }
        var expected = Mac(timestamp, body);
        var match = false;
        foreach (var signature in signatures)
        {
            // Every candidate is compared in full: the time taken tells nothing about a near miss.
            match |= signature.Length == expected.Length && CryptographicOperations.FixedTimeEquals(signature, expected);
        }
        return match;
    }

    /// <summary>Reads <c>t=…,v1=…[,v1=…]</c>; unknown keys (later schemes) are skipped.</summary>
    public static bool TryParse(string? header, out long unixSeconds, out List<byte[]> signatures)
    {
        unixSeconds = 0;
        signatures = [];
        var hasTime = false;
        foreach (var part in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
            {
                return false;
            }
            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t")
            {
                hasTime = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds);
            }
            else if (key == "v1")
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    return false;
                }
            }
        }
        return hasTime && signatures.Count > 0;
    }

    private byte[] Mac(long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
