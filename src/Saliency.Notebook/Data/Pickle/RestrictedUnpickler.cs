using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Saliency.Notebook.Data.Pickle;

/// <summary>A pickle virtual machine (protocols 0–5) that executes nothing: globals resolve only through a
/// <see cref="PickleAllowList"/>, calls go to its C# constructors, and persistent ids go to a callback.
/// Python values map to null, bool, long (BigInteger when too large), double, string, byte[], object?[] (tuple),
/// List&lt;object?&gt; (list), <see cref="PickleDict"/> (dict) and <see cref="PickleSet"/> (set).</summary>
public sealed class RestrictedUnpickler
{
    private const int HighestProtocol = 5;

    private readonly PickleAllowList _allowList;
    private readonly Func<object?, object?>? _persistentLoad;
    private readonly string _source;

    /// <param name="allowList">The globals the pickle may reference.</param>
    /// <param name="persistentLoad">Resolves persistent ids (BINPERSID/PERSID); without it a persistent id is an error.</param>
    /// <param name="source">Names the input in errors (usually the file path).</param>
    public RestrictedUnpickler(PickleAllowList allowList, Func<object?, object?>? persistentLoad = null, string source = "<pickle>")
    {
        _allowList = allowList ?? throw new ArgumentNullException(nameof(allowList));
        _persistentLoad = persistentLoad;
        _source = source;
    }

    /// <summary>Runs the pickle up to its STOP and returns the value it leaves.</summary>
    public object? Load(ReadOnlySpan<byte> data) => new Machine(this, data.ToArray()).Run();

    /// <summary>Reads the stream to its end and runs the pickle in it.</summary>
    public object? Load(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return new Machine(this, buffer.ToArray()).Run();
    }

    /// <summary>One run: the data, position, stack, mark stack and memo.</summary>
    private sealed class Machine
    {
        private static readonly object Mark = new();

        private readonly RestrictedUnpickler _owner;
        private readonly byte[] _data;
        private readonly List<object?> _stack = new();
        private readonly Stack<int> _marks = new();
        private readonly Dictionary<long, object?> _memo = new();
        private int _pos;
        private int _opcodeAt;

        public Machine(RestrictedUnpickler owner, byte[] data)
        {
            _owner = owner;
            _data = data;
        }

        public object? Run()
        {
            while (true)
            {
                _opcodeAt = _pos;
                byte op = ReadByte();
                if (Step(op)) break;
            }
            if (_stack.Count != 1) throw Error($"STOP with {_stack.Count} values on the stack (expected 1)");
            return _stack[0];
        }

        /// <summary>Executes one opcode; returns true at STOP.</summary>
        private bool Step(byte op)
        {
            switch (op)
            {
                case 0x80: // PROTO
                    int protocol = ReadByte();
                    if (protocol > HighestProtocol) throw Error($"unsupported pickle protocol {protocol}");
                    break;
                case 0x95: // FRAME: a length prefix only; frames are read straight through
                    Take(8);
                    break;
                case (byte)'.': // STOP
                    return true;

                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE

                case (byte)'I': Push(ParseIntLine(ReadLine())); break; // INT
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case (byte)'L': Push(ParseLongLine(ReadLine())); break; // LONG
                case 0x8a: Push(Narrow(new BigInteger(Take(ReadByte()), isUnsigned: false, isBigEndian: false))); break; // LONG1
                case 0x8b: Push(Narrow(new BigInteger(Take(ReadLength(4)), isUnsigned: false, isBigEndian: false))); break; // LONG4
                case (byte)'F': Push(ParseFloatLine(ReadLine())); break; // FLOAT
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT

                case (byte)'S': Push(ParseQuotedString(ReadLine())); break; // STRING
                case (byte)'T': Push(Encoding.Latin1.GetString(Take(ReadLength(4)))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'V': Push(DecodeRawUnicodeEscape(ReadLine())); break; // UNICODE
                case (byte)'X': Push(Utf8(Take(ReadLength(4)))); break; // BINUNICODE
                case 0x8c: Push(Utf8(Take(ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Take(ReadLength(8)))); break; // BINUNICODE8
                case (byte)'B': Push(Take(ReadLength(4)).ToArray()); break; // BINBYTES
                case (byte)'C': Push(Take(ReadByte()).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(Take(ReadLength(8)).ToArray()); break; // BINBYTES8
                case 0x96: Push(Take(ReadLength(8)).ToArray()); break; // BYTEARRAY8
                case 0x97: throw Error("out-of-band buffers (NEXT_BUFFER) are not supported");
                case 0x98: break; // READONLY_BUFFER: no effect on a copied value

                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(PopMark().ToArray()); break; // TUPLE
                case 0x85: Push(new[] { Pop() }); break; // TUPLE1
                case 0x86: { object? b = Pop(), a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { object? c = Pop(), b = Pop(), a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'l': Push(PopMark()); break; // LIST
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)'d': // DICT
                {
                    var dict = new PickleDict();
                    SetItems(dict, PopMark());
                    Push(dict);
                    break;
                }
                case 0x8f: Push(new PickleSet()); break; // EMPTY_SET
                case 0x90: // ADDITEMS
                {
                    List<object?> items = PopMark();
                    if (Peek() is not PickleSet set) throw Error("ADDITEMS on a value that is not a set");
                    foreach (object? item in items) set.Add(item);
                    break;
                }
                case 0x91: // FROZENSET
                {
                    var set = new PickleSet();
                    foreach (object? item in PopMark()) set.Add(item);
                    Push(set);
                    break;
                }

                case (byte)'a': // APPEND
                {
                    object? item = Pop();
                    if (!PickleCollections.TryAppend(Peek(), [item])) throw Error($"APPEND on a {TypeName(Peek())}");
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    List<object?> items = PopMark();
                    if (!PickleCollections.TryAppend(Peek(), items)) throw Error($"APPENDS on a {TypeName(Peek())}");
                    break;
                }
                case (byte)'s': // SETITEM
                {
                    object? value = Pop(), key = Pop();
                    SetItems(Peek(), [key, value]);
                    break;
                }
                case (byte)'u': SetItems(null, PopMark()); break; // SETITEMS

                case (byte)'p': Memoize(ParseIntText(ReadLine())); break; // PUT
                case (byte)'q': Memoize(ReadByte()); break; // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break; // MEMOIZE
                case (byte)'g': Push(Recall(ParseIntText(ReadLine()))); break; // GET
                case (byte)'h': Push(Recall(ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET

                case (byte)'c': // GLOBAL
                {
                    string module = Encoding.UTF8.GetString(ReadLine());
                    string name = Encoding.UTF8.GetString(ReadLine());
                    Push(ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    object? name = Pop(), module = Pop();
                    if (module is not string m || name is not string n) throw Error("STACK_GLOBAL needs two strings");
                    Push(ResolveGlobal(m, n));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    object? args = Pop(), callable = Pop();
                    Push(Call(callable, args, "REDUCE"));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    object? args = Pop(), cls = Pop();
                    Push(Call(cls, args, "NEWOBJ"));
                    break;
                }
                case 0x92: // NEWOBJ_EX
                {
                    object? kwargs = Pop(), args = Pop(), cls = Pop();
                    if (kwargs is PickleDict { Count: > 0 }) throw Error($"NEWOBJ_EX with keyword arguments for {cls}");
                    Push(Call(cls, args, "NEWOBJ_EX"));
                    break;
                }
                case (byte)'i': // INST
                {
                    string module = Encoding.UTF8.GetString(ReadLine());
                    string name = Encoding.UTF8.GetString(ReadLine());
                    object?[] args = PopMark().ToArray();
                    Push(Call(ResolveGlobal(module, name), args, "INST"));
                    break;
                }
                case (byte)'o': // OBJ
                {
                    List<object?> items = PopMark();
                    if (items.Count == 0) throw Error("OBJ without a class");
                    Push(Call(items[0], items.Skip(1).ToArray(), "OBJ"));
                    break;
                }
                case (byte)'b': // BUILD
                {
                    object? state = Pop();
                    object? target = Peek();
                    if (target is not IPickleBuildable buildable) throw Error($"BUILD on a {TypeName(target)}, which takes no state");
                    Guard(() => buildable.SetState(state), $"BUILD on a {TypeName(target)}");
                    break;
                }

                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID
                case (byte)'P': Push(PersistentLoad(Encoding.ASCII.GetString(ReadLine()))); break; // PERSID

                case 0x82 or 0x83 or 0x84: throw Error("the copyreg extension registry (EXT1/EXT2/EXT4) is not supported");
                default:
                    throw Error($"unknown pickle opcode 0x{op:x2}" + (op is >= 0x20 and < 0x7f ? $" ('{(char)op}')" : ""));
            }
            return false;
        }

        private object ResolveGlobal(string module, string name)
        {
            if (!_owner._allowList.IsAllowed(module, name))
                throw new PickleSecurityException(_owner._source, module, name);
            return new PickleGlobal(module, name);
        }

        private object? Call(object? callable, object? args, string opcode)
        {
            if (callable is not PickleGlobal global) throw Error($"{opcode} on a {TypeName(callable)}, which is not a global");
            if (args is not object?[] tuple) throw Error($"{opcode} arguments for {global} are a {TypeName(args)}, not a tuple");
            Func<object?[], object?> construct = _owner._allowList.ConstructorOf(global.Module, global.Name)
                ?? throw Error($"{global} is allowed only as a reference, not as a call ({opcode})");
            return Guard(() => construct(tuple), $"calling {global}");
        }

        private object? PersistentLoad(object? pid)
        {
            if (_owner._persistentLoad is null) throw Error("the pickle has a persistent id but no persistent_load callback was given");
            return Guard(() => _owner._persistentLoad(pid), "persistent_load");
        }

        private void SetItems(object? target, List<object?> pairs)
        {
            target ??= Peek();
            if (pairs.Count % 2 != 0) throw Error("SETITEMS with an odd number of values");
            if (target is not PickleDict dict) throw Error($"SETITEM(S) on a {TypeName(target)}, which is not a dict");
            for (int i = 0; i < pairs.Count; i += 2)
            {
                object key = pairs[i] ?? throw Error("dict key None is not supported");
                dict[key] = pairs[i + 1];
            }
        }

        private T Guard<T>(Func<T> action, string what)
        {
            try
            {
                return action();
            }
            catch (DataFormatException)
            {
                throw;
            }
            catch (Exception e) when (e is InvalidDataException or InvalidCastException or ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException)
            {
                throw new PickleFormatException(_owner._source, $"{what} failed at offset {_opcodeAt}: {e.Message}", e);
            }
        }

        private void Guard(Action action, string what) => Guard<object?>(() => { action(); return null; }, what);

        private void Memoize(long index)
        {
            if (_stack.Count == 0) throw Error("PUT on an empty stack");
            _memo[index] = _stack[^1];
        }

        private object? Recall(long index) =>
            _memo.TryGetValue(index, out object? value) ? value : throw Error($"memo key {index} was never stored");

        private void Push(object? value) => _stack.Add(value);

        private object? Peek()
        {
            if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count)) throw Error("stack underflow");
            return _stack[^1];
        }

        private object? Pop()
        {
            object? value = Peek();
            _stack.RemoveAt(_stack.Count - 1);
            return value;
        }

        private List<object?> PopMark()
        {
            if (_marks.Count == 0) throw Error("no MARK on the stack");
            int at = _marks.Pop();
            List<object?> items = _stack.GetRange(at, _stack.Count - at);
            _stack.RemoveRange(at, _stack.Count - at);
            return items;
        }

        private byte ReadByte()
        {
            if (_pos >= _data.Length) throw Error("truncated pickle (no STOP)");
            return _data[_pos++];
        }

        private ReadOnlySpan<byte> Take(long count)
        {
            if (count < 0 || count > _data.Length - _pos)
                throw Error($"truncated pickle: needs {count} bytes, {_data.Length - _pos} left");
            var span = new ReadOnlySpan<byte>(_data, _pos, (int)count);
            _pos += (int)count;
            return span;
        }

        private long ReadLength(int bytes) => bytes switch
        {
            4 => BinaryPrimitives.ReadUInt32LittleEndian(Take(4)),
            _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)), long.MaxValue),
        };

        private ReadOnlySpan<byte> ReadLine()
        {
            int end = Array.IndexOf(_data, (byte)'\n', _pos);
            if (end < 0) throw Error("truncated pickle: a text argument has no newline");
            var line = new ReadOnlySpan<byte>(_data, _pos, end - _pos);
            _pos = end + 1;
            return line;
        }

        private string Utf8(ReadOnlySpan<byte> bytes)
        {
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw new PickleFormatException(_owner._source, $"invalid UTF-8 string at offset {_opcodeAt}", e);
            }
        }

        private object ParseIntLine(ReadOnlySpan<byte> line)
        {
            string text = Encoding.ASCII.GetString(line);
            return text switch { "00" => false, "01" => true, _ => ParseBig(text) };
        }

        private object ParseLongLine(ReadOnlySpan<byte> line)
        {
            string text = Encoding.ASCII.GetString(line);
            return ParseBig(text.EndsWith('L') ? text[..^1] : text);
        }

        private long ParseIntText(ReadOnlySpan<byte> line) =>
            long.TryParse(Encoding.ASCII.GetString(line), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
                ? v
                : throw Error("bad memo index");

        private object ParseBig(string text) =>
            BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger v)
                ? Narrow(v)
                : throw Error($"bad integer '{text}'");

        private double ParseFloatLine(ReadOnlySpan<byte> line)
        {
            string text = Encoding.ASCII.GetString(line);
            return text switch
            {
                "inf" => double.PositiveInfinity,
                "-inf" => double.NegativeInfinity,
                "nan" => double.NaN,
                _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw Error($"bad float '{text}'"),
            };
        }

        private string ParseQuotedString(ReadOnlySpan<byte> line)
        {
            if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
                throw Error("STRING argument is not quoted");
            ReadOnlySpan<byte> body = line[1..^1];
            var bytes = new List<byte>(body.Length);
            for (int i = 0; i < body.Length; i++)
            {
                byte b = body[i];
                if (b != '\\' || i + 1 >= body.Length) { bytes.Add(b); continue; }
                byte e = body[++i];
                switch ((char)e)
                {
                    case 'n': bytes.Add((byte)'\n'); break;
                    case 't': bytes.Add((byte)'\t'); break;
                    case 'r': bytes.Add((byte)'\r'); break;
                    case '0': bytes.Add(0); break;
                    case 'x' when i + 2 < body.Length:
                        bytes.Add(byte.Parse(Encoding.ASCII.GetString(body.Slice(i + 1, 2)), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    default: bytes.Add(e); break; // \\, \', \" and anything else stand for themselves
                }
            }
            return Encoding.Latin1.GetString(bytes.ToArray());
        }

        private static string DecodeRawUnicodeEscape(ReadOnlySpan<byte> line)
        {
            var sb = new StringBuilder(line.Length);
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length && (line[i + 1] == 'u' || line[i + 1] == 'U'))
                {
                    int digits = line[i + 1] == 'u' ? 4 : 8;
                    if (i + 2 + digits <= line.Length &&
                        int.TryParse(Encoding.ASCII.GetString(line.Slice(i + 2, digits)), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int cp))
                    {
                        sb.Append(char.ConvertFromUtf32(cp));
                        i += 1 + digits;
                        continue;
                    }
                }
                sb.Append((char)line[i]);
            }
            return sb.ToString();
        }

        private static object Narrow(BigInteger value) =>
            value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;

        private static string TypeName(object? value) => value switch
        {
            null => "None",
            object?[] => "tuple",
            List<object?> => "list",
            PickleDict => "dict",
            PickleGlobal g => $"global {g}",
            _ => value.GetType().Name,
        };

        private PickleFormatException Error(string problem) =>
            new(_owner._source, $"{problem} (opcode at offset {_opcodeAt})");
    }
}
