using System.Globalization;
using System.Text;

namespace Saliency.Notebook.Data.Npy;

/// <summary>Parses the Python literal subset a .npy header uses: a dict of strings, booleans, None, integers, tuples and lists.
/// Values come back as string, bool, null, long, and List&lt;object?&gt; for tuples and lists.</summary>
internal sealed class PyLiteralParser
{
    private readonly string _text;
    private int _pos;

    private PyLiteralParser(string text) => _text = text;

    /// <summary>Parses a whole header; throws FormatException with the position on anything it does not understand.</summary>
    public static Dictionary<string, object?> ParseDict(string text)
    {
        var parser = new PyLiteralParser(text);
        object? value = parser.ParseValue();
        parser.SkipSpace();
        if (parser._pos != text.Length) throw parser.Error("unexpected text after the dict");
        return value as Dictionary<string, object?> ?? throw new FormatException("the header is not a dict");
    }

    private object? ParseValue()
    {
        SkipSpace();
        if (_pos >= _text.Length) throw Error("unexpected end");
        char c = _text[_pos];
        switch (c)
        {
            case '{': return ParseDictBody();
            case '(': return ParseSequence(')');
            case '[': return ParseSequence(']');
            case '\'' or '"': return ParseString();
        }
        if (c == '-' || c == '+' || char.IsAsciiDigit(c)) return ParseInteger();
        if (TryWord("True")) return true;
        if (TryWord("False")) return false;
        if (TryWord("None")) return null;
        throw Error($"unexpected character '{c}'");
    }

    private Dictionary<string, object?> ParseDictBody()
    {
        _pos++;
        var dict = new Dictionary<string, object?>();
        while (true)
        {
            SkipSpace();
            if (Peek() == '}') { _pos++; return dict; }
            if (ParseValue() is not string key) throw Error("dict keys must be strings");
            SkipSpace();
            Expect(':');
            if (!dict.TryAdd(key, ParseValue())) throw Error($"duplicate key '{key}'");
            SkipSpace();
            if (Peek() == ',') { _pos++; continue; }
            if (Peek() == '}') { _pos++; return dict; }
            throw Error("expected ',' or '}'");
        }
    }

    private List<object?> ParseSequence(char close)
    {
        _pos++;
        var items = new List<object?>();
        while (true)
        {
            SkipSpace();
            if (Peek() == close) { _pos++; return items; }
            items.Add(ParseValue());
            SkipSpace();
            if (Peek() == ',') { _pos++; continue; }
            if (Peek() == close) { _pos++; return items; }
            throw Error($"expected ',' or '{close}'");
        }
    }

    private string ParseString()
    {
        char quote = _text[_pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length) throw Error("unterminated string");
            char c = _text[_pos++];
            if (c == quote) return sb.ToString();
            if (c == '\\')
            {
                if (_pos >= _text.Length) throw Error("unterminated escape");
                char e = _text[_pos++];
                sb.Append(e switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => e });
            }
            else sb.Append(c);
        }
    }

    private long ParseInteger()
    {
        int start = _pos;
        if (_text[_pos] is '-' or '+') _pos++;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        string digits = _text[start.._pos];
        if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++; // Python 2 long suffix
        if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            throw Error($"bad integer '{digits}'");
        return value;
    }

    private bool TryWord(string word)
    {
        if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
        _pos += word.Length;
        return true;
    }

    private void Expect(char c)
    {
        if (Peek() != c) throw Error($"expected '{c}'");
        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
    }

    private FormatException Error(string what) => new($"{what} at column {_pos}");
}
