namespace Delineate.Testing;

/// <summary>One request that passed through the <see cref="CountingS3Proxy"/>, recorded when it arrived; <paramref name="Client"/> names the sender.</summary>
public sealed record S3Request(DateTimeOffset At, string Client, string Method, string Path, string Query);
