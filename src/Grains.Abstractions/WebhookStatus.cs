namespace Delineate.Abstractions;

/// <summary>Where a job's completion webhook stands: waiting to be delivered, delivered, or given up.</summary>
public enum WebhookStatus
{
    Pending,
    Delivered,
    Failed,
}
