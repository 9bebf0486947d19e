namespace Saliency.Runner;

/// <summary>
/// Finds Debian's chromium, which exports the figures (<see cref="FigureBrowser"/>; there is no Kaleido here) and runs the
/// browser tests.
/// </summary>
public static class ChromiumScreenshot
{
    /// <summary>How to get chromium where it is missing.</summary>
    public const string InstallHint = "install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), or put a chromium binary on PATH";

    /// <summary>The chromium binary on PATH; throws with the install command when there is none.</summary>
    public static string FindChromium()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in new[] { "chromium", "chromium-browser" })
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"PNG export needs chromium, which is not on PATH: {InstallHint}.");
    }
}
