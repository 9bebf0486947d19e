namespace Saliency.Notebook.IO;

/// <summary>
/// Whether the process that named a staging folder (<c>.NAME.partial-PID</c> of the pipeline, <c>figures.staging-PID-ID</c> of
/// the notebook runner) still runs: the next run removes the folders of killed runs and leaves those of running ones.
/// </summary>
public static class RunningProcess
{
    /// <summary>True for this process and for any other that exists and has not exited.</summary>
    public static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
