using System.Numerics;
using System.Text;
using Saliency.Notebook.Data;
using Saliency.Notebook.Data.Npy;
using Saliency.Notebook.Data.Pickle;

namespace Saliency.Notebook.Tests.Data;

public class RestrictedUnpicklerTests
{
    // pickle.dumps(value, protocol=p) of one nested value (CPython 3.11), for p = 0..5. The value:
    // {'ints': (0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**63-1, -2**63, 2**64, -(2**70)),
    //  'floats': [0.5, -1e300, inf], 'text': ['', 'abc', 'Ω\\Omega', '\n\'"'], 'bytes': b'\x00\xffab',
    //  'flags': (True, False, None), 'nested': {'k': [1, (2, 3)], (1, 'a'): 'tuplekey'}, 'shared': (lst, lst)} with lst = [1, 2]
    // Protocols 0-2 spell bytes as _codecs.encode(str, 'latin1'), which needs its own allow-list entry.
    private static readonly string[] AllProtocols =
    [
        "286470300a56696e74730a70310a2849300a49310a492d310a493235350a493235360a4936353533350a4936353533360a492d323134373438333634380a4c323134373438333634384c0a4c393232333337323033363835343737353830374c0a4c2d393232333337323033363835343737353830384c0a4c31383434363734343037333730393535313631364c0a4c2d313138303539313632303731373431313330333432344c0a7470320a7356666c6f6174730a70330a286c70340a46302e350a61462d31652b3330300a6146696e660a617356746578740a70350a286c70360a560a70370a61566162630a70380a61565c75303361395c75303035634f6d6567610a70390a61565c753030306127220a7031300a61735662797465730a7031310a635f636f646563730a656e636f64650a7031320a28565c7530303030ff61620a7031330a566c6174696e310a7031340a747031350a527031360a7356666c6167730a7031370a284930310a4930300a4e747031380a73566e65737465640a7031390a28647032300a566b0a7032310a286c7032320a49310a612849320a49330a747032330a61732849310a56610a7032340a747032350a567475706c656b65790a7032360a7373567368617265640a7032370a28286c7032380a49310a6149320a616732380a747032390a732e",
        "7d7100285804000000696e74737101284b004b014affffffff4bff4d00014dffff4a000001004a000000804c323134373438333634384c0a4c393232333337323033363835343737353830374c0a4c2d393232333337323033363835343737353830384c0a4c31383434363734343037333730393535313631364c0a4c2d313138303539313632303731373431313330333432344c0a7471025806000000666c6f61747371035d710428473fe000000000000047fe37e43c8800759c477ff00000000000006558040000007465787471055d71062858000000007107580300000061626371085808000000cea95c4f6d656761710958030000000a2722710a6558050000006279746573710b635f636f646563730a656e636f64650a710c28580500000000c3bf6162710d58060000006c6174696e31710e74710f5271105805000000666c6167737111284930310a4930300a4e74711258060000006e657374656471137d71142858010000006b71155d7116284b01284b024b0374711765284b01580100000061711874711958080000007475706c656b6579711a755806000000736861726564711b285d711c284b014b0265681c74711d752e",
        "80027d7100285804000000696e74737101284b004b014affffffff4bff4d00014dffff4a000001004a000000808a0500000080008a08ffffffffffffff7f8a0800000000000000808a090000000000000000018a090000000000000000c07471025806000000666c6f61747371035d710428473fe000000000000047fe37e43c8800759c477ff00000000000006558040000007465787471055d71062858000000007107580300000061626371085808000000cea95c4f6d656761710958030000000a2722710a6558050000006279746573710b635f636f646563730a656e636f64650a710c580500000000c3bf6162710d58060000006c6174696e31710e86710f5271105805000000666c616773711188894e87711258060000006e657374656471137d71142858010000006b71155d7116284b014b024b03867117654b01580100000061711886711958080000007475706c656b6579711a755806000000736861726564711b5d711c284b014b0265681c86711d752e",
        "80037d7100285804000000696e74737101284b004b014affffffff4bff4d00014dffff4a000001004a000000808a0500000080008a08ffffffffffffff7f8a0800000000000000808a090000000000000000018a090000000000000000c07471025806000000666c6f61747371035d710428473fe000000000000047fe37e43c8800759c477ff00000000000006558040000007465787471055d71062858000000007107580300000061626371085808000000cea95c4f6d656761710958030000000a2722710a6558050000006279746573710b430400ff6162710c5805000000666c616773710d88894e87710e58060000006e6573746564710f7d71102858010000006b71115d7112284b014b024b03867113654b01580100000061711486711558080000007475706c656b6579711675580600000073686172656471175d7118284b014b02656818867119752e",
        "80049509010000000000007d94288c04696e747394284b004b014affffffff4bff4d00014dffff4a000001004a000000808a0500000080008a08ffffffffffffff7f8a0800000000000000808a090000000000000000018a090000000000000000c074948c06666c6f617473945d9428473fe000000000000047fe37e43c8800759c477ff0000000000000658c0474657874945d94288c00948c03616263948c08cea95c4f6d656761948c030a272294658c05627974657394430400ff6162948c05666c6167739488894e87948c066e6573746564947d94288c016b945d94284b014b024b038694654b018c01619486948c087475706c656b657994758c06736861726564945d94284b014b026568188694752e",
        "80059509010000000000007d94288c04696e747394284b004b014affffffff4bff4d00014dffff4a000001004a000000808a0500000080008a08ffffffffffffff7f8a0800000000000000808a090000000000000000018a090000000000000000c074948c06666c6f617473945d9428473fe000000000000047fe37e43c8800759c477ff0000000000000658c0474657874945d94288c00948c03616263948c08cea95c4f6d656761948c030a272294658c05627974657394430400ff6162948c05666c6167739488894e87948c066e6573746564947d94288c016b945d94284b014b024b038694654b018c01619486948c087475706c656b657994758c06736861726564945d94284b014b026568188694752e",
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void DecodesPlainValuesInEveryProtocol(int protocol)
    {
        var allow = new PickleAllowList().Allow("_codecs", "encode", args => Encoding.Latin1.GetBytes((string)args[0]!));
        var root = Assert.IsType<PickleDict>(new RestrictedUnpickler(allow).Load(Convert.FromHexString(AllProtocols[protocol])));

        Assert.Equal(new[] { "ints", "floats", "text", "bytes", "flags", "nested", "shared" }, root.Keys.Cast<string>());
        var ints = Assert.IsType<object?[]>(root["ints"]);
        Assert.Equal(new object[] { 0L, 1L, -1L, 255L, 256L, 65535L, 65536L, -2147483648L, 2147483648L, long.MaxValue, long.MinValue }, ints[..11]);
        Assert.Equal(BigInteger.Pow(2, 64), Assert.IsType<BigInteger>(ints[11]));
        Assert.Equal(-BigInteger.Pow(2, 70), Assert.IsType<BigInteger>(ints[12]));
        Assert.Equal(new object?[] { 0.5, -1e300, double.PositiveInfinity }, Assert.IsType<List<object?>>(root["floats"]));
        Assert.Equal(new object?[] { "", "abc", "Ω\\Omega", "\n'\"" }, Assert.IsType<List<object?>>(root["text"]));
        Assert.Equal(new byte[] { 0, 0xFF, (byte)'a', (byte)'b' }, Assert.IsType<byte[]>(root["bytes"]));
        Assert.Equal(new object?[] { true, false, null }, Assert.IsType<object?[]>(root["flags"]));
        var nested = Assert.IsType<PickleDict>(root["nested"]);
        Assert.Equal(new object?[] { 1L, new object?[] { 2L, 3L } }, Assert.IsType<List<object?>>(nested["k"]));
        Assert.Equal("tuplekey", nested[new object?[] { 1L, "a" }]);
        var shared = Assert.IsType<object?[]>(root["shared"]);
        Assert.Same(shared[0], shared[1]);
    }

    [Fact]
    public void OrderedDictWithReduceSetItemsAndBuild()
    {
        // collections.OrderedDict([('a', 1), ('b', [2.5])]) with ._metadata = {'': {'version': 1}}, protocol 2
        byte[] bytes = Convert.FromHexString("800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858010000006171024b0158010000006271035d710447400400000000000061757d710558090000005f6d6574616461746171067d7107580000000071087d7109580700000076657273696f6e710a4b01737373622e");
        var allow = new PickleAllowList().Allow("collections", "OrderedDict", _ => new PickleDict());
        var dict = Assert.IsType<PickleDict>(new RestrictedUnpickler(allow).Load(bytes));
        Assert.Equal(new object[] { "a", "b" }, dict.Keys);
        Assert.Equal(1L, dict["a"]);
        Assert.Equal(new object?[] { 2.5 }, Assert.IsType<List<object?>>(dict["b"]));
        var state = Assert.IsType<PickleDict>(dict.State);
        var metadata = Assert.IsType<PickleDict>(state["_metadata"]);
        Assert.Equal(1L, Assert.IsType<PickleDict>(metadata[""])["version"]);
    }

    [Fact]
    public void CustomAllowListAndPersistentLoadLikeATorchCheckpoint()
    {
        // OrderedDict([('w', t), ('v', t)]) where t reduces to torch._utils._rebuild_tensor_v2((storage, 0, (2, 3), (3, 1), False, OrderedDict()))
        // and the storage pickles as the persistent id ('storage', torch.FloatStorage, '0', 'cuda:0', 6); protocol 2.
        byte[] bytes = Convert.FromHexString("800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710128580100000077710263746f7263682e5f7574696c730a5f72656275696c645f74656e736f725f76320a71032828580700000073746f72616765710463746f7263680a466c6f617453746f726167650a710558010000003071065806000000637564613a3071074b06747108514b004b024b038671094b034b0186710a8968002952710b74710c52710d580100000076710e680d752e");
        var persistentIds = new List<object?[]>();
        var allow = new PickleAllowList()
            .Allow("collections", "OrderedDict", _ => new PickleDict())
            .Allow("torch._utils", "_rebuild_tensor_v2", args => (Storage: args[0], Shape: args[2], Stride: args[3]))
            .AllowMarker("torch", "FloatStorage");
        var unpickler = new RestrictedUnpickler(allow, pid =>
        {
            var tuple = (object?[])pid!;
            persistentIds.Add(tuple);
            return $"storage:{tuple[2]}@{tuple[3]}";
        }, "archive/data.pkl");
        var dict = Assert.IsType<PickleDict>(unpickler.Load(bytes));

        var pid = Assert.Single(persistentIds);
        Assert.Equal("storage", pid[0]);
        Assert.Equal(new PickleGlobal("torch", "FloatStorage"), pid[1]);
        Assert.Equal(new object?[] { "0", "cuda:0", 6L }, pid[2..]);
        var w = ((object? Storage, object? Shape, object? Stride))dict["w"]!;
        Assert.Equal("storage:0@cuda:0", w.Storage);
        Assert.Equal(new object?[] { 2L, 3L }, (object?[])w.Shape!);
        Assert.Equal(new object?[] { 3L, 1L }, (object?[])w.Stride!);
        Assert.Equal(dict["w"], dict["v"]);

        var noCallback = Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(allow, source: "archive/data.pkl").Load(bytes));
        Assert.Contains("persistent", noCallback.Message);
        Assert.Contains("archive/data.pkl", noCallback.Message);

        var markerCalled = new PickleAllowList().AllowMarker("torch", "FloatStorage");
        var e = Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(markerCalled).Load(Latin1("\u0080\u0002ctorch\nFloatStorage\n)R.")));
        Assert.Contains("only as a reference", e.Message);
    }

    public static TheoryData<string, string, string> Exploits => new()
    {
        { "protocol 0 os.system", "63 6f 73 0a 73 79 73 74 65 6d 0a 28 53 27 65 63 68 6f 20 70 77 6e 65 64 27 0a 74 52 2e", "os.system" },
        { "protocol 2 os.system", "80 02 63 6f 73 0a 73 79 73 74 65 6d 0a 71 00 58 0a 00 00 00 65 63 68 6f 20 70 77 6e 65 64 71 01 85 71 02 52 71 03 2e", "os.system" },
        { "protocol 2 posix.system (as CPython writes it)", "800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e", "posix.system" },
        { "protocol 4 STACK_GLOBAL posix.system", "80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e", "posix.system" },
        { "protocol 4 STACK_GLOBAL os.system", "80 04 8c 02 6f 73 94 8c 06 73 79 73 74 65 6d 94 93 94 8c 02 69 64 94 85 94 52 94 2e", "os.system" },
        { "protocol 3 builtins.eval", "80 03 63 62 75 69 6c 74 69 6e 73 0a 65 76 61 6c 0a 58 03 00 00 00 31 2b 31 85 52 2e", "builtins.eval" },
        { "protocol 2 __builtin__.eval", "8002635f5f6275696c74696e5f5f0a6576616c0a71005803000000312b3171018571025271032e", "__builtin__.eval" },
        { "protocol 3 subprocess.Popen", "80036373756270726f636573730a506f70656e0a71005d710158020000006c737102618571035271042e", "subprocess.Popen" },
        { "protocol 0 INST os.system", "28 53 27 69 64 27 0a 69 6f 73 0a 73 79 73 74 65 6d 0a 2e", "os.system" },
    };

    [Theory]
    [MemberData(nameof(Exploits))]
    public void RefusesGlobalsOffTheAllowList(string what, string hex, string global)
    {
        byte[] bytes = Convert.FromHexString(hex.Replace(" ", ""));
        var e = Assert.Throws<PickleSecurityException>(() => new RestrictedUnpickler(PickleAllowList.NumpyArrays(), source: "evil.pkl").Load(bytes));
        Assert.Contains(global, e.Message);
        Assert.Contains("evil.pkl", e.Message);
        Assert.Equal(global, $"{e.Module}.{e.Name}");
        Assert.IsAssignableFrom<DataFormatException>(e);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void AGlobalAllowedInOneListIsRefusedByTheNumpyPreset()
    {
        byte[] bytes = Latin1("\u0080\u0002ccollections\nOrderedDict\n)R.");
        var custom = new PickleAllowList().Allow("collections", "OrderedDict", _ => new PickleDict());
        Assert.True(custom.IsAllowed("collections", "OrderedDict"));
        Assert.IsType<PickleDict>(new RestrictedUnpickler(custom).Load(bytes));

        Assert.False(PickleAllowList.NumpyArrays().IsAllowed("collections", "OrderedDict"));
        Assert.True(PickleAllowList.NumpyArrays().IsAllowed("numpy._core.multiarray", "_reconstruct"));
        var e = Assert.Throws<PickleSecurityException>(() => new RestrictedUnpickler(PickleAllowList.NumpyArrays(), source: "labels.npy").Load(bytes));
        Assert.Contains("collections.OrderedDict", e.Message);
    }

    [Fact]
    public void RefusesUnknownOpcodesAndTruncatedInput()
    {
        var unknown = Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(new PickleAllowList(), source: "x.pkl").Load([0x80, 0x02, 0xFF, 0x2E]));
        Assert.Contains("unknown pickle opcode 0xff", unknown.Message);
        Assert.Contains("offset 2", unknown.Message);
        Assert.Contains("x.pkl", unknown.Message);

        var truncated = Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(new PickleAllowList()).Load([0x80, 0x02, (byte)'X', 10, 0, 0, 0, (byte)'a']));
        Assert.Contains("truncated", truncated.Message);
        Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(new PickleAllowList()).Load([0x80, 0x02, (byte)'N']));
        Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(new PickleAllowList()).Load([0x80, 0x09, (byte)'N', (byte)'.']));
        Assert.Throws<PickleFormatException>(() => new RestrictedUnpickler(new PickleAllowList()).Load([(byte)'h', 3, (byte)'.']));
    }

    [Fact]
    public void LoadsFromAStreamAndKeepsProtocolZeroTextForms()
    {
        // (I1\nF-2.5\nL12345678901234567890L\nS'a\\'b\\x41'\nVx\\u03a9\nt.
        byte[] bytes = "(I1\nF-2.5\nL12345678901234567890L\nS'a\\'b\\x41'\nVx\\u03a9\nI01\nt."u8.ToArray();
        var tuple = Assert.IsType<object?[]>(new RestrictedUnpickler(new PickleAllowList()).Load(new MemoryStream(bytes)));
        Assert.Equal(1L, tuple[0]);
        Assert.Equal(-2.5, tuple[1]);
        Assert.Equal(BigInteger.Parse("12345678901234567890"), tuple[2]);
        Assert.Equal("a'bA", tuple[3]);
        Assert.Equal("xΩ", tuple[4]);
        Assert.Equal(true, tuple[5]);
    }

    [Fact]
    public void ObjectNpyArraysOfStringsAndInts()
    {
        // np.save of np.array(['(', ')', '(', '\\Omega'], dtype=object), written opcode by opcode like numpy 1.26 (protocol 3)
        byte[] strings = NumpyObjectPickle(4, list => list
            .Concat(Str("(")).Concat(Put(14))
            .Concat(Str(")"))
            .Concat(Get(14))
            .Concat(Str("\\Omega")));
        NpyArray a = NpyReader.Parse(NpyBytes.Build(NpyBytes.Dict("|O", "(4,)"), strings), "labels.npy");
        Assert.Equal(NpyKind.Object, a.DType.Kind);
        Assert.Equal(new[] { "(", ")", "(", "\\Omega" }, a.ToStringArray());

        byte[] ints = NumpyObjectPickle(3, list => list.Concat(new byte[] { (byte)'K', 7, (byte)'J', 0xFF, 0xFF, 0xFF, 0xFF, (byte)'K', 0 }));
        NpyArray b = NpyReader.Parse(NpyBytes.Build(NpyBytes.Dict("|O", "(3,)"), ints), "ints.npy");
        Assert.Equal(new[] { 7L, -1L, 0L }, b.ToInt64Array());

        var mismatch = Assert.Throws<NpyFormatException>(() => NpyReader.Parse(NpyBytes.Build(NpyBytes.Dict("|O", "(5,)"), ints), "bad.npy"));
        Assert.Contains("bad.npy", mismatch.Message);
        Assert.Contains("header/shape mismatch", mismatch.Message);

        var wrongCount = Assert.Throws<PickleFormatException>(() => NpyReader.Parse(NpyBytes.Build(NpyBytes.Dict("|O", "(4,)"), NumpyObjectPickle(4, l => l.Concat(Str("x")))), "short.npy"));
        Assert.Contains("1 items", wrongCount.Message);
    }

    /// <summary>One byte per character (pickle opcodes written as text with \u00XX escapes).</summary>
    private static byte[] Latin1(string s) => Encoding.Latin1.GetBytes(s);

    private static IEnumerable<byte> Str(string s) => new byte[] { (byte)'X' }.Concat(BitConverter.GetBytes(Encoding.UTF8.GetByteCount(s))).Concat(Encoding.UTF8.GetBytes(s));

    private static IEnumerable<byte> Put(byte i) => [(byte)'q', i];

    private static IEnumerable<byte> Get(byte i) => [(byte)'h', i];

    /// <summary>numpy's pickle of a 1-D object array of <paramref name="n"/> items; <paramref name="items"/> appends the item opcodes.</summary>
    private static byte[] NumpyObjectPickle(int n, Func<IEnumerable<byte>, IEnumerable<byte>> items)
    {
        var head = new List<byte> { 0x80, 0x03 };
        head.AddRange(Latin1("cnumpy.core.multiarray\n_reconstruct\nq\u0000cnumpy\nndarray\nq\u0001K\u0000\u0085q\u0002C\u0001bq\u0003\u0087q\u0004Rq\u0005(K\u0001"));
        head.Add((byte)'M');
        head.AddRange(BitConverter.GetBytes((ushort)n));
        head.AddRange(Latin1("\u0085q\u0006cnumpy\ndtype\nq\u0007X\u0002\u0000\u0000\u0000O8q\u0008\u0089\u0088\u0087q\u0009Rq\u000a(K\u0003X\u0001\u0000\u0000\u0000|q\u000bNNNJ\u00ff\u00ff\u00ff\u00ffJ\u00ff\u00ff\u00ff\u00ffK?tq\u000cb\u0089]q\u000d("));
        IEnumerable<byte> body = items(head);
        return body.Concat(Latin1("etq\u000fb.")).ToArray();
    }
}
