using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Saliency.Notebook.Models;

/// <summary>
/// The SHA-256 of what a model computes with: its input and latent sizes and every entry of its state_dict (name, type, shape, values),
/// in state_dict order. Two workers that loaded the same weights, from whatever file or device, get the same fingerprint; any changed
/// weight changes it. Work split across machines records it so that partials of different models are never merged.
/// </summary>
public static class ModelFingerprint
{
    /// <summary>The hex fingerprint of <paramref name="model"/>.</summary>
    public static string Of(ILatentEncoder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, string.Create(CultureInfo.InvariantCulture, $"{model.Channels}|{model.Length}|{model.LatentDim}"));
        foreach (var (name, tensor) in model.Root.state_dict())
        {
            using var scope = NewDisposeScope();
            var host = tensor.detach().cpu().contiguous();
            Append(hash, $"{name}|{host.dtype}|{string.Join(",", host.shape)}");
            hash.AppendData(host.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text));
        hash.AppendData([0]);
    }
}
