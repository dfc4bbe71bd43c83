using Delineate.Grains.Options;
using Delineate.Grains.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Polly.Registry;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>The service's resilience registry on given job options and clock, for classes tested alone.</summary>
public static class TestResilience
{
    public static ResiliencePipelineProvider<string> Provider(JobOptions options, TimeProvider time) =>
        new ServiceCollection()
            .AddLogging()
            .AddSingleton(time)
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(options))
            .AddDelineateResilience()
            .BuildServiceProvider()
            .GetRequiredService<ResiliencePipelineProvider<string>>();
}
