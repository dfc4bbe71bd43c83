using Amazon.S3;
using Delineate.Grains.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Storage.S3;

public static class S3StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the S3 client (from <see cref="StorageOptions"/>), <see cref="S3FileSource"/>,
    /// <see cref="S3ExportStore"/> and <see cref="SourceSeeder"/> as concrete singletons. Which of them
    /// serves <see cref="IFileSource"/> or <see cref="IExportStore"/> is the host's choice.
    /// </summary>
    public static IServiceCollection AddS3Storage(this IServiceCollection services)
    {
        services.TryAddSingleton<IAmazonS3>(sp => S3ClientFactory.Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.TryAddSingleton<S3FileSource>();
        services.TryAddSingleton<S3ExportStore>();
        services.TryAddSingleton<SourceSeeder>();
        return services;
    }
}
