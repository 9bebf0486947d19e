namespace Saliency.Notebook.Data.Npy;

/// <summary>A .npy file that cannot be read: bad magic, truncated or inconsistent header/data, or an unsupported dtype.
/// The message always names the file, so a failing load says which input is wrong.</summary>
public class NpyFormatException : DataFormatException
{
    public NpyFormatException(string sourceName, string problem, Exception? inner = null)
        : base(sourceName, problem, inner)
    {
    }
}
