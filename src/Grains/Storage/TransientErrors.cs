using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace Delineate.Grains.Storage;

/// <summary>Tells failures worth retrying (timeouts, 5xx, refused connections) from the rest.</summary>
public static class TransientErrors
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        TransientStorageException => true,
        TimeoutException => true,
        SocketException => true,
        HttpRequestException => true,
        IOException => true,
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } => true,
        AmazonServiceException { StatusCode: HttpStatusCode.TooManyRequests } => true,
        AmazonClientException { InnerException: { } inner } => IsTransient(inner),
        // An SDK timeout surfaces as a cancellation that is not ours.
        OperationCanceledException { InnerException: TimeoutException } => true,
        _ => false,
    };
}
