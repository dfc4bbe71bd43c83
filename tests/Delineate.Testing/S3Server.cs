namespace Delineate.Testing;

/// <summary>
/// s3rver (from .tools/) on a fixed loopback port and data folder, so it can be stopped and
/// started again with its objects intact. It does not check signatures: a plain GET of
/// <c>/{bucket}/{key}</c> reads an object.
/// </summary>
public sealed class S3Server : RestartableServer
{
    private static readonly HttpClient Probe = new();

    private S3Server(TestDirectory directory)
        : base(directory, "s3rver", "s3")
    {
    }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    protected override string Readiness => "answer GET /";

    public static Task<S3Server> StartAsync(TestDirectory directory) => StartNewAsync(new S3Server(directory));

    // --silent: without it, paged ListObjectsV2 answers 500 (docs/platform-notes.md).
    protected override ManagedProcess Launch() => ManagedProcess.Start(
        "s3rver",
        RepositoryLayout.S3rverBin,
        ["-d", DataFolder, "-a", "127.0.0.1", "-p", Port.ToString(), "--silent"],
        new Dictionary<string, string?> { ["NODE_OPTIONS"] = "--openssl-legacy-provider" },
        Directory.LogFile("s3rver"),
        Directory.Path);

    protected override async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        using var response = await Probe.GetAsync(Endpoint, cancellationToken);
        return (int)response.StatusCode < 500;
    }

    public Uri ObjectUri(string bucket, string key) => new(Endpoint, $"/{bucket}/{key}");

    /// <summary>
    /// The variables that point a silo or gateway at s3rver (or at a proxy in front of it, <paramref name="endpoint"/>)
    /// for its source files and exports; <c>FILE_SOURCE=s3</c> unless <paramref name="fileSource"/> says otherwise.
    /// </summary>
    public static Dictionary<string, string?> ClientEnvironment(Uri endpoint, string bucket = "downloads", string fileSource = "s3") => new()
    {
        ["S3_ENDPOINT"] = endpoint.ToString().TrimEnd('/'),
        ["S3_REGION"] = "us-east-1",
        ["S3_ACCESS_KEY_ID"] = "S3RVER",
        ["S3_SECRET_ACCESS_KEY"] = "S3RVER",
        ["S3_BUCKET_NAME"] = bucket,
        ["S3_FORCE_PATH_STYLE"] = "true",
        ["FILE_SOURCE"] = fileSource,
    };
}
