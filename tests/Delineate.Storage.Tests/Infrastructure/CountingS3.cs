using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Amazon.S3;

namespace Delineate.Storage.Tests.Infrastructure;

/// <summary>Forwards every call to a real client and counts them by method name; can fail chosen calls.</summary>
public class CountingS3 : DispatchProxy
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private IAmazonS3 _target = null!;
    private Func<string, Exception?> _fault = _ => null;

    /// <param name="fault">Given a method name, an exception to fail that call with (as a faulted task), or null.</param>
    public static (IAmazonS3 Client, CountingS3 Calls) Wrap(IAmazonS3 target, Func<string, Exception?>? fault = null)
    {
        var proxy = Create<IAmazonS3, CountingS3>();
        var counter = (CountingS3)(object)proxy;
        counter._target = target;
        counter._fault = fault ?? (_ => null);
        return (proxy, counter);
    }

    public int Count(string methodName) => _calls.GetValueOrDefault(methodName);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _calls.AddOrUpdate(targetMethod.Name, 1, (_, n) => n + 1);
        if (_fault(targetMethod.Name) is { } fault && targetMethod.ReturnType.IsGenericType
            && targetMethod.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var fromException = typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!;
            return fromException.MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]).Invoke(null, [fault]);
        }
        try
        {
            return targetMethod.Invoke(_target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
