/// <summary>
/// The entry point the runtime calls for each assembly in <c>DOTNET_STARTUP_HOOKS</c>: a type of this name in the global
/// namespace with a static <c>Initialize()</c>. It hands over to <see cref="Saliency.KernelWarmup.CompilerWarmup"/>.
/// </summary>
internal static class StartupHook
{
    public static void Initialize() => Saliency.KernelWarmup.CompilerWarmup.Start();
}
