using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Bench.Bundle;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.S3;
using Microsoft.Extensions.Logging.Abstractions;

// One measurement per process, so each figure has its own peak RSS. bench/bundle.sh runs the modes
// alternately against its own s3rver and reports medians.
var settings = BenchSettings.Parse(args);
if (settings.Mode == "free-port")
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port);
    listener.Stop();
    return 0;
}

var options = settings.StorageOptions();
using var s3 = S3ClientFactory.Create(options);
var store = new S3ExportStore(s3, Microsoft.Extensions.Options.Options.Create(options), NullLogger<S3ExportStore>.Instance);
await store.EnsureReadyAsync(CancellationToken.None);
var key = $"bench/{settings.Mode}-{Guid.NewGuid():N}.zip";
var job = settings.Job;
var rssBefore = PeakMemory.CurrentRssMib();

TimeSpan elapsed;
long objectBytes;
switch (settings.Mode)
{
    case "raw":
        elapsed = await RawUpload.RunAsync(s3, settings.Bucket, key, job, settings.PartSizeMb * 1024 * 1024);
        objectBytes = job.TotalBytes;
        break;
    case "bundle":
        (elapsed, objectBytes) = await BundleUpload.RunAsync(store, key, job);
        break;
    default:
        Console.Error.WriteLine($"unknown mode '{settings.Mode}': raw, bundle or free-port");
        return 2;
}

var peak = PeakMemory.PeakRssMib();
// CPU time of this process (all threads, JIT and start-up included): what our side of the upload costs,
// and far less disturbed than wall time when the machine is shared.
var cpuSeconds = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
var stored = (await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = settings.Bucket, Key = key })).ContentLength;
if (stored != objectBytes)
{
    Console.Error.WriteLine($"stored object has {stored} bytes, expected {objectBytes}");
    return 1;
}

// Throughput counts the job's payload (the files' bytes) in both modes, so the zip framing is not
// counted as work done.
var mibPerSecond = job.TotalBytes / 1024.0 / 1024.0 / elapsed.TotalSeconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT mode={settings.Mode} payload_bytes={job.TotalBytes} object_bytes={objectBytes} part_mb={settings.PartSizeMb} seconds={elapsed.TotalSeconds:F3} mibps={mibPerSecond:F1} peak_rss_mib={peak:F1} rss_at_start_mib={rssBefore:F1} cpu_seconds={cpuSeconds:F2}"));

if (settings.Verify && settings.Mode == "bundle")
{
    Console.WriteLine(await BundleVerifier.VerifyAsync(s3, settings.Bucket, key, job));
}
if (!settings.Keep)
{
    await store.DeleteAsync(key, CancellationToken.None);
}
return 0;
