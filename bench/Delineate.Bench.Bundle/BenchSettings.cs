using System.Globalization;
using Delineate.Grains.Options;

namespace Delineate.Bench.Bundle;

/// <summary>Command-line settings: <c>MODE --endpoint URL [--bucket B] [--part-mb 8] [--files 64] [--file-mib 16] [--verify] [--keep]</c>.</summary>
public sealed record BenchSettings(string Mode, string Endpoint, string Bucket, int PartSizeMb, SyntheticJob Job, bool Verify, bool Keep)
{
    public static BenchSettings Parse(string[] args)
    {
        if (args.Length == 0)
        {
            throw new ArgumentException("usage: Delineate.Bench.Bundle raw|bundle|free-port [--endpoint URL] [--bucket B] [--part-mb N] [--files N] [--file-mib N] [--verify] [--keep]");
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] is "--verify" or "--keep")
            {
                flags.Add(args[i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
        }
        int Int(string name, int fallback) =>
            values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        return new BenchSettings(
            args[0],
            values.GetValueOrDefault("--endpoint") ?? Environment.GetEnvironmentVariable("S3_ENDPOINT") ?? "",
            values.GetValueOrDefault("--bucket") ?? "bench",
            Int("--part-mb", 8),
            new SyntheticJob(Int("--files", 64), Int("--file-mib", 16) * 1024L * 1024),
            flags.Contains("--verify"),
            flags.Contains("--keep"));
    }

    public StorageOptions StorageOptions() => new()
    {
        S3Endpoint = Endpoint,
        S3BucketName = Bucket,
        S3AccessKeyId = Environment.GetEnvironmentVariable("S3_ACCESS_KEY_ID") ?? "S3RVER",
        S3SecretAccessKey = Environment.GetEnvironmentVariable("S3_SECRET_ACCESS_KEY") ?? "S3RVER",
        S3ForcePathStyle = true,
        UploadPartSizeMb = PartSizeMb,
    };
}
