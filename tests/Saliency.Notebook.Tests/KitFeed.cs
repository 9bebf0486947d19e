using Saliency.Runner;

namespace Saliency.Notebook.Tests;

/// <summary>
/// The kit packed once per test run into the repository's local feed (artifacts/packages), which the notebooks'
/// nuget.config names: the notebook tests run the current sources in the real kernel, never a stale package.
/// </summary>
internal static class KitFeed
{
    private static readonly Lazy<string> Packed = new(() => KitPackage.Pack(Repository.Root, Folder), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>artifacts/packages of this checkout.</summary>
    public static string Folder => KitPackage.Feed(Repository.Root);

    /// <summary>Packs the kit on first use and returns the package's path.</summary>
    public static string EnsurePacked() => Packed.Value;
}
