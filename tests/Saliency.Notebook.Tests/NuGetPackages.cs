namespace Saliency.Notebook.Tests;

/// <summary>The NuGet global packages folder the build and the kernel restore into (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
internal static class NuGetPackages
{
    public static string Root => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
        ? custom : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
