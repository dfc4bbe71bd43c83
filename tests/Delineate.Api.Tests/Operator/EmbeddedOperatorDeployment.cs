namespace Delineate.Api.Tests.Operator;

/// <summary>One embedded gateway (in-memory job store, exports on local disk) reading its source from S3.</summary>
public sealed class EmbeddedOperatorDeployment : OperatorDeployment
{
    private string _exports = "";

    protected override string Name => "operator-embedded";

    public override Task<bool> ExportExistsAsync(string jobId) =>
        Task.FromResult(File.Exists(Path.Combine(_exports, "exports", $"{jobId}.zip")));

    protected override async Task StartServicesAsync()
    {
        _exports = Directory.DataFolder("exports");
        var environment = Environment();
        environment["EXPORT_DIR"] = _exports;
        Gateway = await GatewayHost.StartEmbeddedAsync("operator-embedded-gateway", environment);
    }

    protected override async Task StopServicesAsync() => await Gateway.DisposeAsync();
}
