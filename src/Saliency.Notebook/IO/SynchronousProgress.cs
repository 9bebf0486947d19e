namespace Saliency.Notebook.IO;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread, in order, before the work goes on: what a console bar or a
/// notebook's live display needs (the framework's <c>Progress&lt;T&gt;</c> posts to the thread pool, so reports arrive late and
/// out of order).
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => report(value);
}
