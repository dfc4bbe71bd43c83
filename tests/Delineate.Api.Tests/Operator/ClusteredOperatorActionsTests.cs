using Delineate.Api.Tests.Operator;

namespace Delineate.Api.Tests;

/// <summary>Clustered mode: the Redis job store's scripts, exports in S3.</summary>
public sealed class ClusteredOperatorActionsTests(ClusteredOperatorDeployment deployment, ITestOutputHelper output)
    : OperatorActionsTests<ClusteredOperatorDeployment>(deployment, output), IClassFixture<ClusteredOperatorDeployment>;
