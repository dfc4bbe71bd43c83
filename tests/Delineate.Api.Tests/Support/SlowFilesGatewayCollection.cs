namespace Delineate.Api.Tests.Support;

/// <summary>The test classes that share one <see cref="SlowFilesGatewayFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SlowFilesGatewayCollection : ICollectionFixture<SlowFilesGatewayFixture>
{
    public const string Name = "slow files gateway";
}
