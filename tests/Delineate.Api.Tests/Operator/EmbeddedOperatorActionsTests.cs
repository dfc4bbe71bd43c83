using Delineate.Api.Tests.Operator;

namespace Delineate.Api.Tests;

/// <summary>Embedded mode: the in-memory job store.</summary>
public sealed class EmbeddedOperatorActionsTests(EmbeddedOperatorDeployment deployment, ITestOutputHelper output)
    : OperatorActionsTests<EmbeddedOperatorDeployment>(deployment, output), IClassFixture<EmbeddedOperatorDeployment>;
