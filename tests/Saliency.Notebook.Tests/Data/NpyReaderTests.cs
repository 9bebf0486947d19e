using System.Buffers.Binary;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Npy;
using TorchSharp;

namespace Saliency.Notebook.Tests.Data;

public class NpyReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsEveryNumericDtypeInBothByteOrders(bool big)
    {
        char o = big ? '>' : '<';
        NpyArray f4 = Parse(NpyBytes.Dict($"{o}f4", "(3,)"), NpyBytes.Pack(new[] { 1.5f, -2.25f, 3e10f }, BitConverter.GetBytes, big));
        Assert.Equal(new[] { 1.5f, -2.25f, 3e10f }, (float[])f4.Data);

        NpyArray f8 = Parse(NpyBytes.Dict($"{o}f8", "(2,)"), NpyBytes.Pack(new[] { Math.PI, -1e-300 }, BitConverter.GetBytes, big));
        Assert.Equal(new[] { Math.PI, -1e-300 }, (double[])f8.Data);

        NpyArray i2 = Parse(NpyBytes.Dict($"{o}i2", "(3,)"), NpyBytes.Pack(new short[] { -300, 1, short.MaxValue }, BitConverter.GetBytes, big));
        Assert.Equal(new short[] { -300, 1, short.MaxValue }, (short[])i2.Data);

        NpyArray i4 = Parse(NpyBytes.Dict($"{o}i4", "(2,)"), NpyBytes.Pack(new[] { -70000, int.MinValue }, BitConverter.GetBytes, big));
        Assert.Equal(new[] { -70000, int.MinValue }, (int[])i4.Data);

        NpyArray i8 = Parse(NpyBytes.Dict($"{o}i8", "(2,)"), NpyBytes.Pack(new[] { -5_000_000_000L, long.MaxValue }, BitConverter.GetBytes, big));
        Assert.Equal(new[] { -5_000_000_000L, long.MaxValue }, (long[])i8.Data);
        Assert.Equal(new[] { -5_000_000_000L, long.MaxValue }, i8.ToInt64Array());

        NpyArray u = Parse(NpyBytes.Dict($"{o}U4", "(3,)"), NpyBytes.Utf32(["East", "Ω", ""], 4, big));
        Assert.Equal(new[] { "East", "Ω", "" }, (string[])u.Data);
        Assert.Equal(NpyKind.Unicode, u.DType.Kind);
        Assert.Equal(4, u.DType.Characters);
        Assert.Equal(big ? '>' : '<', u.DType.ByteOrder);
    }

    [Fact]
    public void ReadsSingleByteDtypesAndNativeOrder()
    {
        NpyArray i1 = Parse(NpyBytes.Dict("|i1", "(4,)"), [0, 2, 0xFF, 0x80]);
        Assert.Equal(new sbyte[] { 0, 2, -1, -128 }, (sbyte[])i1.Data);
        Assert.Equal(new[] { "0", "2", "-1", "-128" }, i1.ToStringArray());

        NpyArray u1 = Parse(NpyBytes.Dict("|u1", "(3,)"), [0, 200, 255]);
        Assert.Equal(new byte[] { 0, 200, 255 }, (byte[])u1.Data);
        Assert.Equal(new[] { 0.0, 200.0, 255.0 }, u1.ToDoubleArray());

        NpyArray b1 = Parse(NpyBytes.Dict("|b1", "(3,)"), [1, 0, 1]);
        Assert.Equal(new[] { true, false, true }, (bool[])b1.Data);
        Assert.Equal(new[] { 1L, 0L, 1L }, b1.ToInt64Array());

        NpyArray native = Parse(NpyBytes.Dict("=f4", "(1,)"), BitConverter.GetBytes(7.5f));
        Assert.Equal(7.5f, ((float[])native.Data)[0]);
        Assert.False(native.DType.BigEndian);

        NpyArray scalar = Parse(NpyBytes.Dict("<f8", "()"), BitConverter.GetBytes(2.0));
        Assert.Empty(scalar.Shape);
        Assert.Equal(2.0, ((double[])scalar.Data)[0]);

        NpyArray empty = Parse(NpyBytes.Dict("<f4", "(0, 3)"), []);
        Assert.Equal(0, empty.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ReadsFormatVersions(int version)
    {
        string dict = version == 3
            ? "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), 'note': 'Ω→ä'}"
            : NpyBytes.Dict("<i4", "(2,)");
        NpyArray a = NpyReader.Parse(NpyBytes.Build(dict, NpyBytes.Pack(new[] { 11, -12 }, BitConverter.GetBytes), version), "v.npy");
        Assert.Equal(version, a.FormatVersion);
        Assert.Equal(new[] { 11, -12 }, (int[])a.Data);
    }

    [Fact]
    public void FortranOrderGivesTheSameLogicalArrayAsCOrder()
    {
        long[] shape = [2, 3, 4];
        double Value(int i, int j, int k) => 100 * i + 10 * j + k;
        var c = new List<double>();
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++) c.Add(Value(i, j, k));
        var f = new List<double>();
        for (int k = 0; k < 4; k++) for (int j = 0; j < 3; j++) for (int i = 0; i < 2; i++) f.Add(Value(i, j, k));

        NpyArray fromC = Parse(NpyBytes.Dict("<f8", "(2, 3, 4)"), NpyBytes.Pack(c, BitConverter.GetBytes));
        NpyArray fromF = Parse(NpyBytes.Dict(">f8", "(2, 3, 4)", fortran: true), NpyBytes.Pack(f, BitConverter.GetBytes, bigEndian: true));
        Assert.False(fromC.FortranOrder);
        Assert.True(fromF.FortranOrder);
        Assert.Equal(shape, fromF.Shape);
        Assert.Equal((double[])fromC.Data, (double[])fromF.Data);
        Assert.Equal(c.ToArray(), (double[])fromF.Data);

        NpyArray strings = Parse(NpyBytes.Dict("<U1", "(2, 2)", fortran: true), NpyBytes.Utf32(["a", "c", "b", "d"], 1));
        Assert.Equal(new[] { "a", "b", "c", "d" }, (string[])strings.Data);
    }

    [Fact]
    public void ChannelsFirstTensorSwapsTheLastTwoAxes()
    {
        // (N=2, L=3, C=2): value = 100 n + 10 l + c
        var values = new List<float>();
        for (int n = 0; n < 2; n++) for (int l = 0; l < 3; l++) for (int ch = 0; ch < 2; ch++) values.Add(100 * n + 10 * l + ch);
        NpyArray a = Parse(NpyBytes.Dict("<f4", "(2, 3, 2)"), NpyBytes.Pack(values, BitConverter.GetBytes));
        using torch.Tensor x = a.ToChannelsFirstTensor();
        Assert.Equal(new long[] { 2, 2, 3 }, x.shape);
        Assert.Equal(torch.ScalarType.Float32, x.dtype);
        Assert.True(x.is_contiguous());
        Assert.Equal(121f, x[1, 1, 2].item<float>());
        Assert.Equal(10f, x[0, 0, 1].item<float>());
        Assert.Throws<InvalidOperationException>(() => Parse(NpyBytes.Dict("<f4", "(2,)"), new byte[8]).ToChannelsFirstTensor());
    }

    [Fact]
    public void WriterRoundTripsAndLeavesNoTemporaryFile()
    {
        using var dir = new TempFolder();
        string path = dir.File("out.npy");
        float[] f = [1f, 2f, 3f, 4f, 5f, 6f];
        NpyWriter.Write(path, f, 3, 2);
        NpyArray back = NpyReader.Read(path);
        Assert.Equal("<f4", back.Descr);
        Assert.Equal(new long[] { 3, 2 }, back.Shape);
        Assert.Equal(f, (float[])back.Data);
        Assert.Equal(0, NpyReader.ReadHeader(path).DataOffset % 64);
        Assert.Equal("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", NpyReader.ReadHeader(path).Text.TrimEnd());

        NpyWriter.Write(path, new[] { 0.1, 0.2 }, 2);
        Assert.Equal(new[] { 0.1, 0.2 }, (double[])NpyReader.Read(path).Data);
        NpyWriter.Write(path, new[] { long.MinValue, 3L }, 1, 2);
        Assert.Equal(new[] { long.MinValue, 3L }, (long[])NpyReader.Read(path).Data);

        using torch.Tensor t = torch.arange(12, dtype: torch.ScalarType.Float32).reshape(4, 3);
        NpyWriter.Write(path, t);
        NpyArray fromTensor = NpyReader.Read(path);
        Assert.Equal(new long[] { 4, 3 }, fromTensor.Shape);
        Assert.Equal(11f, ((float[])fromTensor.Data)[11]);

        Assert.Equal(new[] { "out.npy" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Throws<ArgumentException>(() => NpyWriter.Write(path, f, 4, 2));
        Assert.Equal(new long[] { 4, 3 }, NpyReader.Read(path).Shape);
    }

    [Fact]
    public void BadInputsRaiseErrorsNamingTheFile()
    {
        using var dir = new TempFolder();
        byte[] good = NpyBytes.Build(NpyBytes.Dict("<f4", "(2, 2)"), new byte[16]);

        AssertFails(dir, "magic.npy", [.. "PK\x03\x04 not npy at all"u8], "wrong magic");
        AssertFails(dir, "short-data.npy", good[..^3], "truncated data");
        AssertFails(dir, "short-header.npy", good[..40], "truncated header");
        AssertFails(dir, "extra.npy", [.. good, 0, 0, 0, 0], "header/shape mismatch");
        AssertFails(dir, "complex.npy", NpyBytes.Build(NpyBytes.Dict("<c16", "(1,)"), new byte[16]), "unsupported dtype '<c16'");
        AssertFails(dir, "datetime.npy", NpyBytes.Build(NpyBytes.Dict("<M8[ns]", "(1,)"), new byte[8]), "unsupported dtype '<M8[ns]'");
        AssertFails(dir, "structured.npy", NpyBytes.Build("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new byte[4]), "unsupported dtype");
        AssertFails(dir, "dict.npy", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), ", new byte[16]), "malformed header dict");
        AssertFails(dir, "noshape.npy", NpyBytes.Build("{'descr': '<f4', 'fortran_order': False}", new byte[16]), "malformed header dict");
        AssertFails(dir, "version.npy", [.. good[..6], 9, 0, .. good[8..]], "unsupported .npy format version 9.0");
        var huge = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(huge.AsSpan(8), 60000);
        AssertFails(dir, "hugeheader.npy", huge, "truncated header");
    }

    private static void AssertFails(TempFolder dir, string name, byte[] bytes, string problem)
    {
        string path = dir.Write(name, bytes);
        var e = Assert.ThrowsAny<DataFormatException>(() => NpyReader.Read(path));
        Assert.IsAssignableFrom<NpyFormatException>(e);
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    private static NpyArray Parse(string dict, byte[] data) => NpyReader.Parse(NpyBytes.Build(dict, data), "test.npy");
}
