using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Perms.Nats.Internal;

/// <summary>
/// An open socket to a server whose INFO has been read, upgraded to TLS when either side asks for it: what a
/// <see cref="NatsSession"/> runs on.
/// </summary>
internal sealed class NatsTransport : IAsyncDisposable
{
    /// <summary>The port of an address that names none.</summary>
    public const int DefaultPort = 4222;

    private const int ReadBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly X509Certificate2? _clientCertificate;

    private NatsTransport(Socket socket, Stream stream, PipeReader reader, NatsServerInfo info, bool isTls, X509Certificate2? clientCertificate)
    {
        _socket = socket;
        Stream = stream;
        Reader = reader;
        Info = info;
        IsTls = isTls;
        _clientCertificate = clientCertificate;
    }

    public Stream Stream { get; }

    public PipeReader Reader { get; }

    /// <summary>The server's first INFO.</summary>
    public NatsServerInfo Info { get; }

    public bool IsTls { get; }

    /// <summary>Connects, reads INFO and upgrades to TLS if needed; everything under <paramref name="cancellationToken"/>.</summary>
    public static async Task<NatsTransport> OpenAsync(Uri server, NatsOptions options, NatsParser parser, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        PipeReader? reader = null;
        X509Certificate2? clientCertificate = null;
        try
        {
            await socket.ConnectAsync(server.IdnHost, server.Port > 0 ? server.Port : DefaultPort, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            reader = CreateReader(stream);
            var info = await ReadInfoAsync(reader, parser, server, cancellationToken).ConfigureAwait(false);
            var tls = options.TlsRequired || server.Scheme == "tls" || info.TlsRequired;
            if (tls)
            {
                if (!info.TlsRequired && !info.TlsAvailable)
                {
                    throw new NatsException($"NATS server {Display(server)} does not offer TLS, but the client requires it (NatsOptions.TlsRequired or a tls:// address). Configure TLS on the server, or connect without it.")
                    {
                        IsConfigurationError = true,
                    };
                }

                await reader.CompleteAsync().ConfigureAwait(false);
                reader = null;
                clientCertificate = LoadClientCertificate(options);
                stream = await UpgradeAsync(stream, server, options, clientCertificate, cancellationToken).ConfigureAwait(false);
                reader = CreateReader(stream);
            }

            return new NatsTransport(socket, stream, reader, info, tls, clientCertificate);
        }
        catch
        {
            if (reader is not null)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
            }

            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            clientCertificate?.Dispose();
            throw;
        }
    }

    /// <summary>The address without credentials, for logs and messages.</summary>
    public static string Display(Uri server) => $"{server.Scheme}://{server.Host}:{(server.Port > 0 ? server.Port : DefaultPort)}";

    /// <summary>Aborts pending reads and writes at once (a stopped server would otherwise block a write).</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        _socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await Reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or AuthenticationException)
        {
            // SslStream may try to send close_notify on a socket that is gone.
        }

        _socket.Dispose();
        _clientCertificate?.Dispose();
    }

    private static PipeReader CreateReader(Stream stream) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: ReadBufferSize / 4, leaveOpen: true));

    private static async Task<NatsServerInfo> ReadInfoAsync(PipeReader reader, NatsParser parser, Uri server, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadInfo(parser, ref buffer, out var info))
            {
                reader.AdvanceTo(buffer.Start);
                if (!buffer.IsEmpty)
                {
                    throw new NatsProtocolException($"NATS server {Display(server)} sent more than INFO before CONNECT: \"{NatsParser.Show(buffer.ToArray())}\".");
                }

                return info;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException($"{Display(server)} closed the connection before sending INFO; is it a NATS server (not, e.g., its monitoring or cluster port)?");
            }
        }
    }

    private static bool TryReadInfo(NatsParser parser, ref ReadOnlySequence<byte> buffer, out NatsServerInfo info)
    {
        info = null!;
        if (!parser.TryRead(ref buffer, NatsParser.MaxControlLine, out var frame))
        {
            return false;
        }

        if (frame.Op == NatsServerOp.Err)
        {
            throw new NatsServerErrorException(Encoding.UTF8.GetString(frame.Text));
        }

        if (frame.Op != NatsServerOp.Info)
        {
            throw new NatsProtocolException($"The server sent {frame.Op} before INFO; a NATS server starts with INFO.");
        }

        try
        {
            info = NatsServerInfo.Parse(frame.Text);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new NatsProtocolException($"The server sent an INFO that is not valid JSON ({e.Message}): \"{NatsParser.Show(frame.Text)}\".");
        }
    }

    private static X509Certificate2? LoadClientCertificate(NatsOptions options)
    {
        if (options.TlsCertFile is null)
        {
            return null;
        }

        // Re-imported from PKCS#12 so that the key is not ephemeral (Windows' TLS refuses ephemeral PEM keys).
        using var pem = X509Certificate2.CreateFromPemFile(options.TlsCertFile, options.TlsKeyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task<Stream> UpgradeAsync(Stream stream, Uri server, NatsOptions options, X509Certificate2? clientCertificate, CancellationToken cancellationToken)
    {
        X509Certificate2Collection? authorities = null;
        if (options.TlsCaFile is not null)
        {
            authorities = [];
            authorities.ImportFromPemFile(options.TlsCaFile);
            if (authorities.Count == 0)
            {
                throw new NatsException($"NatsOptions.TlsCaFile '{options.TlsCaFile}' holds no PEM certificate.") { IsConfigurationError = true };
            }
        }

        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = server.IdnHost,
                    ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                    RemoteCertificateValidationCallback = authorities is null
                        ? null
                        : (_, certificate, chain, errors) => IsTrusted(certificate, chain, errors, authorities),
                },
                cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new NatsException(
                $"TLS with NATS server {Display(server)} failed: {e.Message} Check that the server's certificate names '{server.IdnHost}' and is signed by "
                + (options.TlsCaFile is null ? "an authority of the system's trust store (or set NatsOptions.TlsCaFile)." : $"an authority in NatsOptions.TlsCaFile ('{options.TlsCaFile}')."),
                e)
            {
                IsConfigurationError = true,
            };
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (authorities is not null)
            {
                foreach (var authority in authorities)
                {
                    authority.Dispose();
                }
            }
        }
    }

    private static bool IsTrusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (certificate is not X509Certificate2 leaf || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }
}
