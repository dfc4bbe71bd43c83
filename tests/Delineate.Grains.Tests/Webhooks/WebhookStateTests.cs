using Delineate.Grains.Options;
using Delineate.Grains.Webhooks;

namespace Delineate.Grains.Tests.Webhooks;

/// <summary>The delivery schedule: exponential backoff with jitter, the attempt limit, final refusals, re-arming.</summary>
public sealed class WebhookStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 2, 0, 0, TimeSpan.Zero);
    private static readonly WebhookOptions Options = new() { MaxAttempts = 4, BackoffBaseMs = 1_000 };

    [Theory]
    [InlineData(1, 0.0, 500)]
    [InlineData(1, 0.999, 999)]
    [InlineData(2, 0.0, 1_000)]
    [InlineData(3, 0.5, 3_000)]
    [InlineData(4, 1.0, 8_000)]
    public void The_wait_after_attempt_n_is_base_times_two_to_the_n_minus_one_half_of_it_jittered(int attempt, double jitter, int expectedMs)
    {
        Assert.Equal(expectedMs, (int)WebhookState.Backoff(attempt, TimeSpan.FromSeconds(1), jitter).TotalMilliseconds);
    }

    [Fact]
    public void No_wait_is_longer_than_the_cap()
    {
        Assert.Equal(WebhookOptions.MaxBackoff, WebhookState.Backoff(40, TimeSpan.FromMinutes(10), 1.0));
    }

    [Fact]
    public void Failed_attempts_are_rescheduled_until_the_last_then_it_gives_up()
    {
        var hook = new WebhookState { Url = "https://example.com/hook" };
        hook.Arm(Now);

        for (var attempt = 1; attempt < Options.MaxAttempts; attempt++)
        {
            hook.Failed("HTTP 500", final: false, Now, Options, jitter: 0);
            Assert.Equal(Abstractions.WebhookStatus.Pending, hook.Status);
            Assert.Equal(attempt, hook.Attempts);
            Assert.Equal(Now + WebhookState.Backoff(attempt, Options.BackoffBase, 0), hook.NextAttemptAt);
        }

        hook.Failed("HTTP 503", final: false, Now, Options, jitter: 0);
        Assert.Equal(Abstractions.WebhookStatus.Failed, hook.Status);
        Assert.Equal(Options.MaxAttempts, hook.Attempts);
        Assert.Equal("HTTP 503", hook.LastError);
        Assert.Null(hook.NextAttemptAt);
    }

    [Fact]
    public void A_refused_destination_gives_up_at_once_and_a_delivery_keeps_the_last_error()
    {
        var refused = new WebhookState { Url = "https://example.com/hook" };
        refused.Arm(Now);
        refused.Failed("refused", final: true, Now, Options, jitter: 0);
        Assert.Equal((Abstractions.WebhookStatus.Failed, 1), (refused.Status, refused.Attempts));

        var delivered = new WebhookState { Url = "https://example.com/hook" };
        delivered.Arm(Now);
        delivered.Failed("HTTP 500", final: false, Now, Options, jitter: 0);
        delivered.Delivered(Now);
        Assert.Equal((Abstractions.WebhookStatus.Delivered, 2, "HTTP 500"), (delivered.Status, delivered.Attempts, delivered.LastError));
        Assert.Null(delivered.NextAttemptAt);
    }

    [Fact]
    public void Arming_again_starts_a_fresh_delivery_due_now()
    {
        var hook = new WebhookState { Url = "https://example.com/hook" };
        hook.Arm(Now);
        hook.Failed("refused", final: true, Now, Options, jitter: 0);

        hook.Arm(Now + TimeSpan.FromMinutes(1));

        Assert.Equal((Abstractions.WebhookStatus.Pending, 0, (string?)null, Now + TimeSpan.FromMinutes(1)), (hook.Status, hook.Attempts, hook.LastError, hook.NextAttemptAt));
    }
}
