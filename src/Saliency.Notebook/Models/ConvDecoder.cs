using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// The original <c>ConvDecoder</c> (cvae.py): <c>initial_layer</c> = Sequential(Linear(D, h[-1]·L/s), ReLU), a view to
/// (B, h[-1], L/s), then <c>deconv_layers</c> = Sequential(Upsample(s, nearest), Sequential(ConvTranspose1d, ReLU)…, ConvTranspose1d → C),
/// each ConvTranspose1d a <see cref="ChannelsLastConvTranspose1d"/> (libtorch's own is wrong on some shapes).
/// </summary>
public sealed class ConvDecoder : nn.Module<Tensor, Tensor>
{
    private readonly Sequential initial_layer;
    private readonly Sequential deconv_layers;
    private readonly int lastHidden;
    private readonly int pooledLength;

    /// <summary>Builds the decoder mirroring the encoder of <paramref name="config"/>.</summary>
    public ConvDecoder(CvaeConfig config) : base("ConvDecoder")
    {
        var hidden = config.HiddenDims;
        lastHidden = hidden[^1];
        pooledLength = config.PooledLength;
        int padding = (config.KernelSize - 1) / 2;
        initial_layer = nn.Sequential(nn.Linear(config.LatentDim, config.EncodedSize), nn.ReLU());
        var deconv = nn.Sequential(nn.Upsample(scale_factor: new double[] { config.SamplingFactor }, mode: UpsampleMode.Nearest));
        for (int i = hidden.Count - 1; i > 0; i--)
            deconv.append(nn.Sequential(new ChannelsLastConvTranspose1d(hidden[i], hidden[i - 1], config.KernelSize, padding), nn.ReLU()));
        deconv.append(new ChannelsLastConvTranspose1d(hidden[0], config.Channels, config.KernelSize, padding));
        deconv_layers = deconv;
        RegisterComponents();
    }

    /// <summary>Decodes z (B, D) to x̂ (B, C, L).</summary>
    public override Tensor forward(Tensor z)
    {
        // Module outputs are left to the caller's dispose scope: a forward hook may still hold them.
        var grid = initial_layer.call(z).view(-1, lastHidden, pooledLength);
        return deconv_layers.call(grid);
    }
}
