using Saliency.Notebook.Data.Datasets;
using Saliency.Notebook.Models;
using Saliency.Notebook.SanityChecks;
using Saliency.Notebook.Tests.Explainers;

namespace Saliency.Notebook.Tests.SanityChecks;

/// <summary>Masking checks on the authors' symbols checkpoint against symbols/gradcam.ipynb cell 7 and the reference re-run (§6.1).</summary>
public class SymbolsOracleTests
{
    private static readonly double[] PaperThresholds =
        [-0.0040086334, -0.0017649699, 0.0003355001, 0.0027518408, 0.0032522425, 0.0039611480, 0.0056792272, 0.0094924292, 0.0114663413, 0.0119293742];

    // Read off the paper's "Mean Latent Distance vs Threshold Percentile" figure for p50..p99 (p10..p40 are below 2.5 there).
    private static readonly double[] PaperDistancesFromP50 = [3.3, 6.2, 14.5, 22.6, 29.3, 36.8];

    [Fact]
    public void Symbols_checkpoint_reproduces_the_paper_thresholds_and_distances()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(TestData.Checkpoint("symbols"), data.C, data.L, "symbols");
        var result = new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = loaded.Model, Data = SanityData.From(data), Labels = ["\\Omega"] });

        var thresholds = Column(result, "threshold");
        var distances = Column(result, "mean_abs_delta_pc1");
        Assert.Equal(10, thresholds.Length);

        // Tolerance 3e-4 absolute (2% of the threshold range): the paper fitted its PCA on a SAMPLED z = loc + ε·0.0498, the kit on loc.
        // Re-fitting on z with five ε seeds moves every threshold by up to ±3e-4 (m is a small difference of signed terms, so the
        // ~1e-3 change of PC1 is amplified); p90/p99, where m is large, agree to 1.5e-4 relative. The kit's largest deviation is 1.9e-4 (p30).
        for (int p = 0; p < thresholds.Length; p++)
            Assert.True(Math.Abs(thresholds[p] - PaperThresholds[p]) <= 3e-4, $"threshold {p}: {thresholds[p]} vs paper {PaperThresholds[p]}");
        Assert.Equal(PaperThresholds[^1], thresholds[^1], 5e-6);

        // Distances: ≈0.6 at p20 rising to ≈38 at p99 (the kit gives 0.59 and 38.3). The paper's own curve is from one sampled run
        // and read off a figure, so the kit must match its shape: everything up to p40 small, a monotone rise from p40 on, and
        // p50..p99 within 30% of the figure.
        Assert.InRange(distances[1], 0.3, 1.0);
        Assert.InRange(distances[^1], 34, 42);
        Assert.All(distances.Take(4), d => Assert.True(d < 2.5, $"low-percentile distance {d}"));
        for (int p = 4; p < distances.Length; p++)
        {
            Assert.True(distances[p] > distances[p - 1], $"distance not rising at index {p}: {distances[p - 1]} → {distances[p]}");
            Assert.InRange(distances[p], 0.7 * PaperDistancesFromP50[p - 4], 1.3 * PaperDistancesFromP50[p - 4]);
        }
    }

    /// <summary>
    /// The same check against the paper's compute_global_latent_distance run in PyTorch itself on the same checkpoint and data:
    /// the encoder rebuilt from the state_dict, |GradCAM| towards every latent dimension, scikit-learn's PCA(2) of the posterior
    /// means, the un-centred PC1 projection, numpy's percentiles of its Ω mean, masked steps set to −1 and re-encoded. Float32 as
    /// the paper; thresholds and distances within 1e-4 of the largest, kept steps exactly.
    /// </summary>
    [Fact]
    public void Symbols_global_masking_equals_the_papers_computation_in_pytorch_and_scikit_learn()
    {
        var reference = PythonReference.Run(PyTorchReferenceTests.SymbolsEncoder + """
            from sklearn.decomposition import PCA
            x = torch.tensor(np.swapaxes(np.load(inp["data"]), 1, 2), dtype=torch.float32)
            labels = np.load(inp["labels"], allow_pickle=True)
            x.requires_grad_(True)
            loc, act = encode(x)
            cams = []
            for i in range(loc.shape[1]):
                g, = torch.autograd.grad(loc[:, i].sum(), [act], retain_graph=True)
                cams.append((g.mean(dim=2, keepdim=True) * act).sum(dim=1).abs())
            gradcam = torch.stack(cams, dim=2).detach().numpy()                  # (N, L, D)
            means = loc.detach().numpy()
            pca = PCA(2).fit(means)
            scores = pca.transform(means)
            pc1 = (gradcam @ pca.components_.T)[:, :, 0]                         # raw projection, not centred
            omega = labels == "\Omega"
            m = pc1[omega].mean(axis=0)
            thresholds, kept, distances = [], [], []
            for p in inp["percentiles"]:
                thr = np.percentile(m, p)
                keep = m >= thr
                masked = x.detach()[omega].clone()
                masked[:, :, ~keep] = -1
                with torch.no_grad():
                    pruned = pca.transform(encode(masked)[0].numpy())
                thresholds.append(thr); kept.append(int(keep.sum()))
                distances.append(np.abs(scores[omega, 0] - pruned[:, 0]).mean())
            out = {"threshold": thresholds, "kept": kept, "distance": distances}
            """, new
        {
            ckpt = TestData.Checkpoint("symbols"),
            data = Path.Combine(TestData.DataDirectory, "symbols", "augmented_symbols.npy"),
            labels = Path.Combine(TestData.DataDirectory, "symbols", "augmented_labels.npy"),
            percentiles = new GlobalMaskingCheck().Percentiles,
        });
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(TestData.Checkpoint("symbols"), data.C, data.L, "symbols");
        var result = new GlobalMaskingCheck().Run(new SanityCheckInputs { Model = loaded.Model, Data = SanityData.From(data), Labels = ["\\Omega"] });

        AssertClose(PythonReference.Doubles(reference.GetProperty("threshold")), Column(result, "threshold"), 1e-4, "thresholds");
        AssertClose(PythonReference.Doubles(reference.GetProperty("distance")), Column(result, "mean_abs_delta_pc1"), 1e-4, "mean |ΔPC1|");
        Assert.Equal(reference.GetProperty("kept").EnumerateArray().Select(v => v.GetInt32()), result.Rows["kept_steps"].Cast<int?>().Select(v => v!.Value));
    }

    /// <summary>Max |difference| within <paramref name="relative"/> of the reference's largest |value|.</summary>
    private static void AssertClose(double[] expected, double[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs), worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= relative * scale, $"{what}: max |kit − reference| = {worst:E3}, {worst / scale:E2} of the largest |value| {scale:E3}\nreference [{string.Join(", ", expected)}]\nkit [{string.Join(", ", actual)}]");
    }

    [Fact]
    public void Kept_removed_zeroes_the_reference_run_share_of_symbols()
    {
        using var data = DatasetRegistry.Load("symbols", TestData.DataDirectory);
        using var loaded = ModelStore.Load(TestData.Checkpoint("symbols"), data.C, data.L, "symbols");
        var result = new KeptRemovedCheck().Run(new SanityCheckInputs { Model = loaded.Model, Data = SanityData.From(data) });
        // §6.1: the PyTorch re-run of apply_gradcam_mask with the shipped model zeroes 79.90% (the notebook's 43.04% is stale).
        // ±0.05: the 0.2·max threshold sits between steps; the loc-vs-sampled-z PCA moves a handful of the 132,000 values across it.
        Assert.InRange((double)result.Summary["zero_percent"], 79.85, 79.95);
    }

    private static double[] Column(SanityCheckResult result, string name) =>
        result.Rows[name].Cast<double?>().Select(v => v!.Value).ToArray();
}
