using Delineate.Gateway.Hosting;

namespace Delineate.Api.Tests;

/// <summary>The abuse limits' settings are validated at start; a bad one is refused with a message naming it.</summary>
public sealed class LimitSettingsTests
{
    private static readonly Delineate.Hosting.HostingSettings Embedded = Delineate.Hosting.HostingSettings.Load(
        new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), Delineate.Hosting.DelineateMode.Embedded);

    [Theory]
    [InlineData("MAX_ACTIVE_JOBS", 0)]
    [InlineData("MAX_JOBS_PER_ADDRESS_PER_MINUTE", 0)]
    [InlineData("MAX_STREAMS_PER_OWNER", 0)]
    [InlineData("MAX_STREAMS_PER_ADDRESS", -1)]
    [InlineData("STREAM_SEND_TIMEOUT_MS", 50)]
    public void A_limit_out_of_range_is_refused_naming_its_variable(string variable, int value)
    {
        var options = new GatewayOptions();
        switch (variable)
        {
            case "MAX_ACTIVE_JOBS": options.MaxActiveJobs = value; break;
            case "MAX_JOBS_PER_ADDRESS_PER_MINUTE": options.MaxJobsPerAddressPerMinute = value; break;
            case "MAX_STREAMS_PER_OWNER": options.MaxStreamsPerOwner = value; break;
            case "MAX_STREAMS_PER_ADDRESS": options.MaxStreamsPerAddress = value; break;
            default: options.StreamSendTimeoutMs = value; break;
        }

        var result = new GatewayOptionsValidator(Embedded).Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(variable + " must be between", failure);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        var options = new GatewayOptions();

        Assert.True(new GatewayOptionsValidator(Embedded).Validate(null, options).Succeeded);
        Assert.Equal((100_000, 600, 100, 200, 10_000),
            (options.MaxActiveJobs, options.MaxJobsPerAddressPerMinute, options.MaxStreamsPerOwner, options.MaxStreamsPerAddress, options.StreamSendTimeoutMs));
    }
}
