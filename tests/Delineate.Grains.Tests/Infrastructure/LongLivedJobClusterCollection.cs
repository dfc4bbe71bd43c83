namespace Delineate.Grains.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class LongLivedJobClusterCollection : ICollectionFixture<LongLivedJobCluster>
{
    public const string Name = "long-lived job cluster";
}
