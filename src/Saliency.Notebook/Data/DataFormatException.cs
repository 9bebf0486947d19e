namespace Saliency.Notebook.Data;

/// <summary>Base of the data layer's "this input is wrong" errors (npy, pickle, dataset). The message starts with the file name.
/// It derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed.</summary>
public class DataFormatException : IOException
{
    public DataFormatException(string sourceName, string problem, Exception? inner = null)
        : base($"{sourceName}: {problem}", inner)
    {
        SourceName = sourceName;
        Problem = problem;
    }

    /// <summary>The file (or stream name) that failed.</summary>
    public string SourceName { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}
