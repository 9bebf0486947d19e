using System.Diagnostics;
using Saliency.Cli.Commands;
using Saliency.Notebook.Native;

namespace Saliency.Notebook.Tests.Cli;

/// <summary>
/// <c>saliency doctor --libtorch FOLDER</c>: the notebooks' libtorch-folder backend outside the kernel, in a fresh process each
/// (torch loads once per process). The GPU check runs it with a PyTorch CUDA torch/lib.
/// </summary>
[Collection(NotebookSessionCollection.Name)] // swaps Console.Error
public class DoctorCommandTests
{
    private static string CpuLibTorchFolder =>
        Path.Combine(NuGetPackages.Root, "libtorch-cpu-linux-x64", TorchBackend.CpuVersion, "runtimes", "linux-x64", "native");

    /// <summary>Runs the tool in <paramref name="appDir"/> without LD_LIBRARY_PATH; returns the exit code, stdout lines and stderr.</summary>
    private static Task<(int Code, string[] Lines, string Error)> Doctor(string appDir, params string[] args) => DoctorPreloaded(appDir, null, args);

    /// <summary>As <see cref="Doctor"/>, with <paramref name="preload"/> mapped into the process before anything runs.</summary>
    private static async Task<(int Code, string[] Lines, string Error)> DoctorPreloaded(string appDir, string? preload, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(appDir, "saliency")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args.Prepend("doctor")) start.ArgumentList.Add(arg);
        start.Environment.Remove("LD_LIBRARY_PATH");
        if (preload is not null) start.Environment["LD_PRELOAD"] = preload;
        using Process doctor = Process.Start(start)!;
        Task<string> output = doctor.StandardOutput.ReadToEndAsync(), error = doctor.StandardError.ReadToEndAsync();
        await doctor.WaitForExitAsync();
        return (doctor.ExitCode, (await output).Split('\n'), await error);
    }

    [Fact]
    public async Task A_build_without_libtorch_loads_it_from_the_folder_alone()
    {
        // The tool as SaliencyTorchBackend=none (and the GPU pack) builds it: this test build's files, hard-linked, without libtorch.
        string bin = AppContext.BaseDirectory.TrimEnd('/');
        string app = Path.Combine(Path.GetDirectoryName(bin)!, "doctor-no-libtorch-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string native = Path.Combine(app, "runtimes", "linux-x64", "native");
            Directory.CreateDirectory(native);
            var link = new ProcessStartInfo("cp", ["-al", .. Directory.GetFileSystemEntries(bin).Where(e => Path.GetFileName(e) != "runtimes"), app]);
            using (Process copy = Process.Start(link)!) { await copy.WaitForExitAsync(); Assert.Equal(0, copy.ExitCode); }
            File.Copy(Path.Combine(bin, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(native, "libLibTorchSharp.so"));

            (int code, string[] lines, string error) = await Doctor(app, "--device", "cpu", "--libtorch", CpuLibTorchFolder + "/");

            Assert.True(code == 0, error);
            Assert.Contains($"mapped            {Path.Combine(CpuLibTorchFolder, "libtorch_cpu.so")}", lines);
            Assert.Contains($"mapped            {Path.Combine(CpuLibTorchFolder, "libtorch.so")}", lines);
            Assert.Single(lines, line => line.StartsWith("mapped ") && line.EndsWith("/libtorch_cpu.so"));
            Assert.Contains("status            ok (2x2 matmul checked)", lines);
        }
        finally { if (Directory.Exists(app)) Directory.Delete(app, recursive: true); }
    }

    [Fact]
    public async Task A_build_with_its_own_libtorch_refuses_another_instead_of_aborting()
    {
        // Loading both would abort the process in libtorch's static registration ("Tried to register multiple backend fallbacks").
        (int code, string[] lines, string error) = await Doctor(AppContext.BaseDirectory, "--device", "cpu", "--libtorch", CpuLibTorchFolder);

        Assert.Equal(1, code);
        Assert.Equal($"torch does not work: This program ships its own libtorch ({Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libtorch_cpu.so")}), " +
                     $"so it cannot load the one in {CpuLibTorchFolder}: two libtorch in one process abort it. Use the libtorch folder with a build that has none " +
                     "(-p:SaliencyTorchBackend=none), or leave it out.\n", error);
        Assert.DoesNotContain(lines, line => line.StartsWith("mapped ") && line.Contains("libtorch"));
    }

    [Fact]
    public async Task A_folder_named_after_another_libtorch_is_already_mapped_is_a_clear_error_not_an_abort()
    {
        // A libtorch already in the process before the kit loads any (in a notebook: an earlier cell's #r of a libtorch package),
        // here mapped at start by LD_PRELOAD from the test build's own folder; then a folder is named, as LoadTorchBackend does.
        string other = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libtorch_cpu.so");
        (int code, string[] lines, string error) = await DoctorPreloaded(AppContext.BaseDirectory, other, "--device", "cpu", "--libtorch", CpuLibTorchFolder);

        Assert.Equal(1, code);                                                 // not 134: nothing aborted
        Assert.Equal($"saliency doctor: Another libtorch is already loaded in this process ({other}), so the one in {CpuLibTorchFolder} cannot be: " +
                     "two libtorch abort a process. Restart the kernel and name the folder before anything loads torch (no #r of a libtorch package first).",
            error.TrimEnd('\n'));
        Assert.DoesNotContain(lines, line => line.StartsWith("status ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_folder_without_libtorch_is_one_line_and_exit_1()
    {
        string folder = Directory.CreateTempSubdirectory("no-libtorch-").FullName;
        (int code, string error) = StandardError.Capture(() => DoctorCommand.Create().Parse(["--libtorch", folder]).Invoke());
        Directory.Delete(folder);

        Assert.Equal(1, code);
        Assert.Equal($"saliency doctor: {folder} has no libtorch.so: pass the folder of a PyTorch 2.10-compatible libtorch (e.g. .../site-packages/torch/lib).",
            error.TrimEnd('\n'));
    }
}
