namespace Perms.Grains.Permissions;

/// <summary>String operations with JavaScript's exact semantics, where .NET's differ.</summary>
internal static class JsString
{
    /// <summary>
    /// <c>String.prototype.trim</c>: strips ECMAScript WhiteSpace and LineTerminator code units. Differs from
    /// <see cref="string.Trim()"/>: JavaScript strips U+FEFF (BOM) and keeps U+0085 (NEL); .NET does the opposite.
    /// </summary>
    public static string Trim(string value)
    {
        var start = 0;
        var end = value.Length - 1;
        while (start <= end && IsWhiteSpaceOrLineTerminator(value[start]))
        {
            start++;
        }

        while (end >= start && IsWhiteSpaceOrLineTerminator(value[end]))
        {
            end--;
        }

        return start == 0 && end == value.Length - 1 ? value : value[start..(end + 1)];
    }

    /// <summary>ECMA-262 WhiteSpace (TAB, VT, FF, ZWNBSP, USP = category Zs) and LineTerminator (LF, CR, LS, PS).</summary>
    public static bool IsWhiteSpaceOrLineTerminator(char c) => c switch
    {
        '\t' or '\v' or '\f' or '\n' or '\r' or '\uFEFF' or '\u2028' or '\u2029' => true,
        _ => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.SpaceSeparator,
    };
}
