using System.Runtime.CompilerServices;
using Saliency.Notebook.Native;

namespace Saliency.Notebook.Tests;

/// <summary>Loads TorchSharp's native backend the kit's way before any test touches torch.</summary>
internal static class TestSetup
{
    [ModuleInitializer]
    internal static void LoadTorch() => TorchRuntime.EnsureLoaded();
}
