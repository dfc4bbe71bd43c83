using System.Net;
using System.Net.Sockets;

namespace Delineate.Testing;

/// <summary>Free loopback ports, chosen by the kernel; never a default port.</summary>
public static class FreePorts
{
    /// <summary>
    /// Returns <paramref name="count"/> distinct free ports. All listeners are held open until every
    /// port is chosen, so the kernel cannot hand the same port out twice within one call.
    /// </summary>
    public static int[] Allocate(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    public static int Allocate() => Allocate(1)[0];
}
