namespace Saliency.Notebook.Data.Npy;

/// <summary>Reads the pickled payload of object (<c>|O</c>) .npy files.</summary>
internal static class NumpyPickle
{
    public static NpyArray ReadObjectArray(ReadOnlySpan<byte> payload, NpyHeader header, string source) =>
        throw new NpyFormatException(source, "object (|O) arrays hold a pickle, which this reader does not unpickle yet");
}
