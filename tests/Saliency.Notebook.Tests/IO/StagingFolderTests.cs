using Saliency.Notebook.IO;

namespace Saliency.Notebook.Tests.IO;

/// <summary>The kit's one staging folder: nothing reaches the target before a commit, and killed runs' folders go.</summary>
public sealed class StagingFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("staging-folder-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Replacing_the_target_swaps_it_whole_and_an_uncommitted_run_leaves_it_as_it_was()
    {
        string target = Path.Combine(_folder, "out");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old.txt"), "old");
        using (var failed = new StagingFolder(target))
        {
            File.WriteAllText(Path.Combine(failed.Path, "half.txt"), "half");
            Assert.StartsWith(target + $".staging-{Environment.ProcessId}-", failed.Path);
        }
        Assert.Equal(["old.txt"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Equal(["out"], Directory.GetDirectories(_folder).Select(Path.GetFileName));

        using (var run = new StagingFolder(target))
        {
            File.WriteAllText(Path.Combine(run.Path, "new.txt"), "new");
            run.ReplaceTarget();
        }
        Assert.Equal(["new.txt"], Directory.GetFiles(target).Select(Path.GetFileName));
        Assert.Equal(["out"], Directory.GetDirectories(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void Moving_files_in_keeps_the_targets_other_files_and_killed_runs_folders_are_removed()
    {
        string target = Path.Combine(_folder, "figures");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "other.png"), "other");
        File.WriteAllText(Path.Combine(target, "mine.png"), "old");
        string killed = target + ".staging-999999999-0badc0de";            // above any pid_max: no such process
        string running = target + $".staging-{Environment.ProcessId}-5eed5eed";
        Directory.CreateDirectory(killed);
        Directory.CreateDirectory(running);
        using (var run = new StagingFolder(target))
        {
            File.WriteAllText(Path.Combine(run.Path, "mine.png"), "new");
            Assert.Equal(new HashSet<string> { "mine.png" }, run.MoveFilesIntoTarget());
        }
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "mine.png")));
        Assert.Equal("other", File.ReadAllText(Path.Combine(target, "other.png")));
        Assert.False(Directory.Exists(killed));
        Assert.True(Directory.Exists(running));
    }
}
