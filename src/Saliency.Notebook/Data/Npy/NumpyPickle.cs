using Saliency.Notebook.Data.Pickle;

namespace Saliency.Notebook.Data.Npy;

/// <summary>Reads the payload of object (<c>|O</c>) .npy files: a pickled ndarray, unpickled with the numpy-only allow-list.</summary>
internal static class NumpyPickle
{
    public static NpyArray ReadObjectArray(ReadOnlySpan<byte> payload, NpyHeader header, string source)
    {
        if (payload.IsEmpty) throw new NpyFormatException(source, "truncated data: the object array has no pickled payload");
        object? value = new RestrictedUnpickler(PickleAllowList.NumpyArrays(), source: source).Load(payload);
        if (value is not PickledNdarray pickled)
            throw new NpyFormatException(source, $"the pickled payload is a {value?.GetType().Name ?? "None"}, not a numpy array");
        NpyArray array = pickled.ToNpyArray(source);
        if (array.DType.Kind != NpyKind.Object)
            throw new NpyFormatException(source, $"the header says |O but the pickled array is {array.Descr}");
        if (!array.Shape.SequenceEqual(header.Shape))
            throw new NpyFormatException(source, $"header/shape mismatch: the header says {header.ShapeText}, the pickled array is {array.ShapeText}");
        return new NpyArray(header.DType, header.Shape, array.Data, header.FortranOrder, header.Version);
    }
}
