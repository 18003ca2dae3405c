using System.Net;

namespace Perms.Grpc.Internal;

/// <summary>A request body of one length-prefixed message, serialized once when the call starts.</summary>
internal sealed class GrpcRequestContent : HttpContent
{
    private readonly byte[] _frame;

    public GrpcRequestContent(byte[] frame)
    {
        _frame = frame;
        Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_frame).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_frame, cancellationToken).AsTask();

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.Write(_frame);

    protected override bool TryComputeLength(out long length)
    {
        length = _frame.Length;
        return true;
    }
}
