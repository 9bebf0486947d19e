using Saliency.Notebook.Models;
using TorchSharp;

namespace Saliency.Notebook.Tests.Models;

/// <summary>The model fingerprint a sharded run records: equal for equal weights, different for any changed weight.</summary>
public class ModelFingerprintTests
{
    [Fact]
    public void Equal_weights_give_one_fingerprint_and_one_changed_weight_another()
    {
        var config = new CvaeConfig { Channels = 2, Length = 20, LatentDim = 4, Dropout = 0 };
        using var model = new CVAE(config);
        using var twin = new CVAE(config);
        Assert.NotEqual(ModelFingerprint.Of(model), ModelFingerprint.Of(twin));     // two random initialisations
        twin.load_state_dict(model.state_dict());
        string fingerprint = ModelFingerprint.Of(model);
        Assert.Matches("^[0-9a-f]{64}$", fingerprint);
        Assert.Equal(fingerprint, ModelFingerprint.Of(twin));

        using (torch.no_grad())
        {
            var weight = twin.parameters().Last();
            weight.view(-1)[0] = weight.view(-1)[0] + 1e-6f;
        }
        Assert.NotEqual(fingerprint, ModelFingerprint.Of(twin));
    }
}
