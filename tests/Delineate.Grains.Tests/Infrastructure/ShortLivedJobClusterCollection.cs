namespace Delineate.Grains.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class ShortLivedJobClusterCollection : ICollectionFixture<ShortLivedJobCluster>
{
    public const string Name = "short-lived job cluster";
}
