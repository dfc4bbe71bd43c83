using StackExchange.Redis;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>
/// An xunit class fixture: the toolkit's <see cref="RedisServer"/> (a real redis-server on a free
/// loopback port, stopped by its PID) and one connection to it.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private TestDirectory? _directory;
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    public int Port => _server?.Port ?? throw new InvalidOperationException("redis-server is not running.");

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("redis-server is not running.");

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("grains-redis");
        _server = await RedisServer.StartAsync(_directory);
        _connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_server.Port},abortConnect=false");
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _directory?.Dispose();
    }
}
