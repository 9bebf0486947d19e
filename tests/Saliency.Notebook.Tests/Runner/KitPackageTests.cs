using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

public sealed class KitPackageTests
{
    [Theory]
    [InlineData("#r \"nuget: Saliency.Notebook, *-*\"", "#r \"nuget: Saliency.Notebook, 0.1.0-dev.1\"")]
    [InlineData("#r   \"nuget:Saliency.Notebook,*-*\"", "#r   \"nuget:Saliency.Notebook,0.1.0-dev.1\"")]
    [InlineData("#r \"nuget: saliency.notebook , *-* \"\nvar x = 1;", "#r \"nuget: saliency.notebook , 0.1.0-dev.1 \"\nvar x = 1;")]
    public void The_floating_kit_reference_is_pinned_to_the_given_version(string source, string expected)
    {
        Assert.Equal(expected, KitPackage.PinReference(source, "0.1.0-dev.1"));
    }

    [Theory]
    [InlineData("#r \"nuget: Saliency.Notebook, 9.9.9\"")]                 // an explicit version is the author's choice
    [InlineData("#r \"nuget: Saliency.Notebook.Extra, *-*\"")]             // another package
    [InlineData("#r \"nuget: TorchSharp, *-*\"")]
    [InlineData("// #r \"nuget: Saliency.Notebook, *\"")]                   // stable-only wildcard: not the kit's reference
    [InlineData("var text = \"Saliency.Notebook, *-*\";")]                   // not a #r directive
    public void Other_references_and_code_are_left_as_they_are(string source)
    {
        Assert.Equal(source, KitPackage.PinReference(source, "0.1.0-dev.1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*-*")]
    [InlineData("1.0\"; evil")]
    public void A_version_that_is_not_one_is_refused(string version)
    {
        Assert.Throws<ArgumentException>(() => KitPackage.PinReference("#r \"nuget: Saliency.Notebook, *-*\"", version));
    }

    [Fact]
    public void A_failed_pack_says_so_with_only_its_last_output_lines()
    {
        string repository = Directory.CreateTempSubdirectory("saliency-failing-pack-").FullName;
        try
        {
            // A kit project whose pack prints 30 warnings, then fails: the reason is the last line, the noise is cut.
            string project = Path.Combine(repository, "src", "Saliency.Notebook", "Saliency.Notebook.csproj");
            Directory.CreateDirectory(Path.GetDirectoryName(project)!);
            string warnings = string.Concat(Enumerable.Range(1, 30).Select(i => $"<Warning Text=\"noise {i}\" />"));
            File.WriteAllText(project, $"""<Project><Target Name="Restore" /><Target Name="Pack">{warnings}<Error Text="the real reason" /></Target></Project>""");

            var failure = Assert.Throws<InvalidOperationException>(() => KitPackage.Pack(repository, Path.Combine(repository, "feed")));

            string[] lines = failure.Message.Split('\n');
            Assert.StartsWith("dotnet pack failed (exit 1)", lines[0]);
            Assert.InRange(lines.Length, 2, KitPackage.PackFailureLines + 1);
            Assert.Contains(lines, line => line.Contains("error : the real reason"));
            Assert.DoesNotContain(lines, line => line.Contains("noise 1"));
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    [Fact]
    public async Task A_cancelled_pack_stops_its_whole_process_tree_and_writes_no_package()
    {
        // A signal to the tool cancels the pack: the build below it must not go on writing into the feed after the tool has gone.
        string repository = Directory.CreateTempSubdirectory("saliency-cancelled-pack-").FullName;
        try
        {
            // A kit project whose pack runs a long command that writes its process id first (exec: the id is the sleep's own).
            string project = Path.Combine(repository, "src", "Saliency.Notebook", "Saliency.Notebook.csproj");
            Directory.CreateDirectory(Path.GetDirectoryName(project)!);
            string pidFile = Path.Combine(repository, "pack.pid");
            File.WriteAllText(project, $"""<Project><Target Name="Restore" /><Target Name="Pack"><Exec Command="echo $$ &gt; {pidFile}.tmp &amp;&amp; mv {pidFile}.tmp {pidFile} &amp;&amp; exec sleep 300" /></Target></Project>""");
            string feed = Path.Combine(repository, "feed");
            using var cancellation = new CancellationTokenSource();

            Task<string> packing = Task.Run(() => KitPackage.Pack(repository, feed, cancellationToken: cancellation.Token));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(pidFile) && !packing.IsCompleted && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(100);
            Assert.True(File.Exists(pidFile), packing.IsFaulted ? packing.Exception!.ToString() : "the pack did not reach its command");
            int sleeper = int.Parse(File.ReadAllText(pidFile).Trim());
            cancellation.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => packing);
            Assert.True(await KernelLifetimeTests.EndsAsync(sleeper), $"the pack's command (process {sleeper}) outlived the cancelled pack");
            Assert.Empty(Directory.GetFiles(feed));
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    [Fact]
    public void The_version_is_read_from_the_package_file_name()
    {
        Assert.Equal("0.1.0-dev.20261202215403781", KitPackage.VersionOf("/feed/Saliency.Notebook.0.1.0-dev.20261202215403781.nupkg"));
        Assert.Throws<ArgumentException>(() => KitPackage.VersionOf("/feed/TorchSharp.0.107.0.nupkg"));
        Assert.Throws<ArgumentException>(() => KitPackage.VersionOf("/feed/Saliency.Notebook..nupkg"));
    }
}
