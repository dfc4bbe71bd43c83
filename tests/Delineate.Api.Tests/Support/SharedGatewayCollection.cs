namespace Delineate.Api.Tests.Support;

/// <summary>The test classes that share one <see cref="SharedGatewayFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedGatewayCollection : ICollectionFixture<SharedGatewayFixture>
{
    public const string Name = "shared embedded gateway";
}
