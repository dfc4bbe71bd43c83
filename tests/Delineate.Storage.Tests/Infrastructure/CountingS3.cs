using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Amazon.S3;

namespace Delineate.Storage.Tests.Infrastructure;

/// <summary>Forwards every call to a real client and counts them by method name.</summary>
public class CountingS3 : DispatchProxy
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private IAmazonS3 _target = null!;

    public static (IAmazonS3 Client, CountingS3 Calls) Wrap(IAmazonS3 target)
    {
        var proxy = Create<IAmazonS3, CountingS3>();
        var counter = (CountingS3)(object)proxy;
        counter._target = target;
        return (proxy, counter);
    }

    public int Count(string methodName) => _calls.GetValueOrDefault(methodName);

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        _calls.AddOrUpdate(targetMethod.Name, 1, (_, n) => n + 1);
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
