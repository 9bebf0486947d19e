using static TorchSharp.torch;

namespace Saliency.Notebook.Explainers;

/// <summary>
/// What an explanation is "towards": one latent dimension, every latent dimension, or directions in latent space
/// (e.g. PCA components). Every kind becomes a (T, D) weight matrix W, and target j is the scalar z · W[j], so one
/// code path serves all kinds (a dimension is a one-hot direction).
/// </summary>
public sealed class LatentTarget
{
    private readonly int? _dimension;
    private readonly double[,]? _directions;
    private readonly string[]? _directionNames;
    private readonly int[]? _dimensions;

    private LatentTarget(int? dimension, double[,]? directions, string[]? directionNames, int[]? dimensions = null)
    {
        _dimension = dimension;
        _directions = directions;
        _directionNames = directionNames;
        _dimensions = dimensions;
    }

    /// <summary>Latent dimension <paramref name="index"/> (0-based): one target.</summary>
    public static LatentTarget Dimension(int index) => new(index, null, null);

    /// <summary>
    /// The chosen latent dimensions (0-based), in the order given: one target each, named z&lt;i&gt;. Their number D is checked
    /// against the model when the target is used.
    /// </summary>
    public static LatentTarget Dimensions(params int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length == 0) throw new ArgumentException("At least one latent dimension is needed.", nameof(indices));
        if (indices.Any(i => i < 0)) throw new ArgumentOutOfRangeException(nameof(indices), $"Latent dimensions are 0-based; got {string.Join(", ", indices)}.");
        return new LatentTarget(null, null, null, indices.ToArray());
    }

    /// <summary>All D latent dimensions, in order: D targets.</summary>
    public static LatentTarget AllDimensions { get; } = new(null, null, null);

    /// <summary>One direction v (length D) in latent space: the target is z · v.</summary>
    public static LatentTarget Direction(params double[] direction)
    {
        ArgumentNullException.ThrowIfNull(direction);
        var matrix = new double[1, direction.Length];
        for (int i = 0; i < direction.Length; i++) matrix[0, i] = direction[i];
        return new LatentTarget(null, matrix, ["direction"]);
    }

    /// <summary>
    /// Several directions, one per row of <paramref name="directions"/> (K, D), e.g. <c>LatentPca.Components</c>;
    /// names default to PC1..PCK.
    /// </summary>
    public static LatentTarget Directions(double[,] directions, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(directions);
        int k = directions.GetLength(0);
        if (k == 0) throw new ArgumentException("At least one direction is needed.", nameof(directions));
        if (names != null && names.Count != k)
            throw new ArgumentException($"{names.Count} names were given for {k} directions.", nameof(names));
        var copy = (double[,])directions.Clone();
        var resolvedNames = names?.ToArray() ?? Enumerable.Range(1, k).Select(i => $"PC{i}").ToArray();
        return new LatentTarget(null, copy, resolvedNames);
    }

    /// <summary>Directions from a (K, D) or (D) tensor (copied, so the tensor may be disposed afterwards).</summary>
    public static LatentTarget Directions(Tensor directions, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(directions);
        if (directions.dim() is not (1 or 2))
            throw new ArgumentException($"Directions must be a (K, D) or (D) tensor; got shape [{string.Join(", ", directions.shape)}].", nameof(directions));
        using var scope = NewDisposeScope();
        var host = (directions.dim() == 1 ? directions.unsqueeze(0) : directions).detach().to(ScalarType.Float64).cpu().contiguous();
        int k = (int)host.shape[0], d = (int)host.shape[1];
        var flat = host.data<double>().ToArray();
        var matrix = new double[k, d];
        Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(double));
        return Directions(matrix, names);
    }

    /// <summary>How many targets (T) this gives for a model of latent size <paramref name="latentDim"/>.</summary>
    public int Count(int latentDim) => _directions?.GetLength(0) ?? _dimensions?.Length ?? (_dimension.HasValue ? 1 : latentDim);

    /// <summary>Names of the T targets, e.g. <c>z3</c>, <c>PC1</c>.</summary>
    public IReadOnlyList<string> Names(int latentDim)
    {
        if (_directionNames != null) return _directionNames;
        if (_dimensions != null) return _dimensions.Select(i => $"z{i}").ToArray();
        if (_dimension.HasValue) return [$"z{_dimension.Value}"];
        return Enumerable.Range(0, latentDim).Select(i => $"z{i}").ToArray();
    }

    /// <summary>
    /// The (T, D) weight matrix on <paramref name="device"/>; throws when the target does not fit a model of latent
    /// size <paramref name="latentDim"/>.
    /// </summary>
    public Tensor WeightMatrix(int latentDim, Device device, ScalarType dtype)
    {
        if (_dimension is int index)
        {
            if (index < 0 || index >= latentDim)
                throw new ArgumentOutOfRangeException(nameof(index), index,
                    $"Latent dimension {index} is out of range: the model has {latentDim} latent dimensions (0..{latentDim - 1}).");
            return zeros(1, latentDim, dtype: dtype, device: device).index_fill_(1, tensor(new long[] { index }, device: device), 1);
        }
        if (_dimensions is { } chosen)
        {
            if (chosen.FirstOrDefault(i => i >= latentDim, -1) is var outside and >= 0)
                throw new ArgumentOutOfRangeException(nameof(chosen), outside,
                    $"Latent dimension {outside} is out of range: the model has {latentDim} latent dimensions (0..{latentDim - 1}).");
            var rows = tensor(chosen.Select(i => (long)i).ToArray(), device: device);
            return zeros(chosen.Length, latentDim, dtype: dtype, device: device).scatter_(1, rows.unsqueeze(1), ones(chosen.Length, 1, dtype: dtype, device: device));
        }
        if (_directions is { } matrix)
        {
            if (matrix.GetLength(1) != latentDim)
                throw new ArgumentException(
                    $"A latent direction has {matrix.GetLength(1)} entries but the model has {latentDim} latent dimensions.");
            var flat = new double[matrix.Length];
            Buffer.BlockCopy(matrix, 0, flat, 0, flat.Length * sizeof(double));
            return tensor(flat, new long[] { matrix.GetLength(0), latentDim }, dtype: ScalarType.Float64).to(dtype, device);
        }
        return eye(latentDim, dtype: dtype, device: device);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        _dimension is int i ? $"latent dimension {i}" : _dimensions != null ? $"latent dimensions {string.Join(", ", _dimensions)}" : _directions != null ? $"{_directions.GetLength(0)} latent direction(s)" : "all latent dimensions";
}
