namespace Delineate.Grains.Idempotency;

[GenerateSerializer, Alias("Delineate.IdempotencyState")]
public sealed class IdempotencyState
{
    [Id(0)] public string BodyHash { get; set; } = "";
    [Id(1)] public Guid JobId { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
}
