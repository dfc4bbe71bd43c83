namespace Delineate.Drills.Tests.Regressions;

/// <summary>The regression tests share one <see cref="RegressionCluster"/> and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RegressionClusterCollection : ICollectionFixture<RegressionCluster>
{
    public const string Name = "regression cluster";
}
