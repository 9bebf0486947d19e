using Saliency.Runner;

namespace Saliency.Notebook.Tests.Runner;

public sealed class KitPackageTests
{
    [Theory]
    [InlineData("#r \"nuget: Saliency.Notebook, *-*\"", "#r \"nuget: Saliency.Notebook, 0.1.0-dev.1\"")]
    [InlineData("#r   \"nuget:Saliency.Notebook,*-*\"", "#r   \"nuget:Saliency.Notebook,0.1.0-dev.1\"")]
    [InlineData("#r \"nuget: saliency.notebook , *-* \"\nvar x = 1;", "#r \"nuget: saliency.notebook , 0.1.0-dev.1 \"\nvar x = 1;")]
    public void The_floating_kit_reference_is_pinned_to_the_given_version(string source, string expected)
    {
        Assert.Equal(expected, KitPackage.PinReference(source, "0.1.0-dev.1"));
    }

    [Theory]
    [InlineData("#r \"nuget: Saliency.Notebook, 9.9.9\"")]                 // an explicit version is the author's choice
    [InlineData("#r \"nuget: Saliency.Notebook.Extra, *-*\"")]             // another package
    [InlineData("#r \"nuget: TorchSharp, *-*\"")]
    [InlineData("// #r \"nuget: Saliency.Notebook, *\"")]                   // stable-only wildcard: not the kit's reference
    [InlineData("var text = \"Saliency.Notebook, *-*\";")]                   // not a #r directive
    public void Other_references_and_code_are_left_as_they_are(string source)
    {
        Assert.Equal(source, KitPackage.PinReference(source, "0.1.0-dev.1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("*-*")]
    [InlineData("1.0\"; evil")]
    public void A_version_that_is_not_one_is_refused(string version)
    {
        Assert.Throws<ArgumentException>(() => KitPackage.PinReference("#r \"nuget: Saliency.Notebook, *-*\"", version));
    }

    [Fact]
    public void The_version_is_read_from_the_package_file_name()
    {
        Assert.Equal("0.1.0-dev.20261202215403781", KitPackage.VersionOf("/feed/Saliency.Notebook.0.1.0-dev.20261202215403781.nupkg"));
        Assert.Throws<ArgumentException>(() => KitPackage.VersionOf("/feed/TorchSharp.0.107.0.nupkg"));
        Assert.Throws<ArgumentException>(() => KitPackage.VersionOf("/feed/Saliency.Notebook..nupkg"));
    }
}
