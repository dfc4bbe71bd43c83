namespace Delineate.Storage.Tests.Infrastructure;

/// <summary>Test classes in this collection share one s3rver; each uses buckets of its own.</summary>
[CollectionDefinition(Name)]
public sealed class S3rverCollection : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3rver";
}
