using System.Text;
using Perms.Cluster;

namespace Perms.UnitTests.Cluster;

public sealed class XxHash64Tests
{
    // Reference values from xxhash-wasm 1.1.0 (the xxHash C code compiled to WebAssembly), so this is the real XXH64.
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("user-42", 0x397E9D3A76AF7C81UL)]
    [InlineData("0123456789abcdef0123456789abcdef0123456789", 0xA76190C3ACF08A1CUL)]
    public void Hash_matches_the_reference_XXH64(string text, ulong expected) =>
        Assert.Equal(expected, XxHash64.Hash(Encoding.UTF8.GetBytes(text)));
}
