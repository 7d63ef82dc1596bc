using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// One SMTP (RFC 5321) or LMTP (RFC 2033) connection to a next hop, opened once — TCP with
/// <c>TCP_NODELAY</c>, greeting, EHLO, STARTTLS (RFC 3207), EHLO again — and then used for several
/// transactions (RSET between them), as Postfix's connection cache does. A transaction is sent as one
/// group when the peer offers PIPELINING (RFC 2920): <c>RSET MAIL RCPT… DATA</c>, or with CHUNKING
/// (RFC 3030) <c>RSET MAIL RCPT… BDAT n LAST</c> followed by the message itself, so a small message
/// costs one round trip. Every reply the peer can send is handled: a refusal at any step is kept per
/// recipient; 421 at any point ends the session; a reply that is not SMTP, a timeout or a closed
/// connection ends it too and defers whatever was in flight. The session owns its socket: disposing
/// it closes the connection.
/// <para>
/// Pipelining across transactions (<see cref="DeliveryOptions.PipelineDepth"/>): a transaction sent in
/// one write (BDAT with PIPELINING) may be written while the one before it still waits for its
/// replies. Writes take turns (a write turn), and so do reads, in the order of the writes: each
/// transaction reads its own replies once the one written before it has read all of its own. A
/// transaction that is not sent in one write (DATA, or a large message's separate BDAT) waits for
/// every earlier one and holds the write turn to its end, so nothing is written behind it. When the
/// connection fails, a transaction written behind the one that found the failure is deferred with it
/// (after its data was sent: RFC 5321 §6.1's duplicate window); a refusal does not concern it.
/// </para>
/// </summary>
internal sealed class OutboundSession : IAsyncDisposable
{
    private readonly OutboundSessionSettings _settings;
    private readonly ArrayBufferWriter<byte> _out = new(4096);
    private Stream _stream;
    private RemoteReplyReader _reader;
    private int _disposed;
    private readonly SemaphoreSlim _writeTurn = new(1, 1);
    private readonly Lock _turnLock = new();
    private Task _readTurn = Task.CompletedTask; // completed when the last transaction written has read its replies
    private int _inFlight; // transactions written (or writing) whose replies are not all read
    private volatile bool _lost; // the stream failed: nothing more can be read from it
    private volatile bool _lostUnanswered; // ...and the transaction that found it had no reply at all
    private volatile bool _inStep; // a transaction ended alone in flight with no spare octet after its replies
    private Socket? _socket;

    private readonly DeliveryMetrics? _metrics;
    private readonly ILogger? _logger;

    private OutboundSession(OutboundSessionSettings settings, NextHopAddress target, Stream stream, DateTimeOffset now, DeliveryMetrics? metrics, ILogger? logger)
    {
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
        metrics?.SessionOpened();
        Target = target;
        _stream = stream;
        _reader = new RemoteReplyReader(stream);
        OpenedAt = now;
        LastUsedAt = now;
    }

    public NextHopAddress Target { get; }

    public string Name => Target.ToString();

    public PeerCapabilities Capabilities { get; private set; } = PeerCapabilities.None;

    /// <summary>The certificate the peer presented (null without TLS).</summary>
    public X509Certificate2? PeerCertificate { get; private set; }

    /// <summary>The other certificates the peer sent (intermediates).</summary>
    public X509Certificate2Collection PeerChain { get; } = [];

    public bool IsTls => _stream is SslStream;

    public DateTimeOffset OpenedAt { get; }

    public DateTimeOffset LastUsedAt { get; set; }

    /// <summary>Transactions started on this connection.</summary>
    public int Transactions { get; private set; }

    /// <summary>Set once the connection can carry no more transactions (lost, 421, protocol error).</summary>
    public bool IsBroken { get; private set; }

    /// <summary>Set when the session is to take no new transaction although it works (its peer is no longer accepted): closed with QUIT once idle.</summary>
    public bool IsRetired { get; private set; }

    /// <summary>Whether the peer offers what pipelining across transactions needs (PIPELINING and CHUNKING, BDAT on, SMTP).</summary>
    public bool OffersPipelining => _settings.UseChunking && !_settings.Lmtp && Capabilities.Has(PeerExtensions.Pipelining) && Capabilities.Has(PeerExtensions.Chunking);

    /// <summary>
    /// Whether a transaction may be written while another waits for its replies: the peer offers it, and
    /// a transaction on this connection already ended with nothing behind it and no spare octet after its
    /// last reply. A peer that answers more than it is asked is caught there, before anything is written
    /// behind a transaction (where its spare reply would be read as the next transaction's).
    /// </summary>
    public bool CanPipeline => OffersPipelining && _inStep;

    /// <summary>Passes using the session now (the pool's count, under its lock).</summary>
    internal int Users { get; set; }

    /// <summary>Transactions handed out on it so far (the pool's count, for <see cref="DeliveryOptions.MaxMessagesPerConnection"/>).</summary>
    internal int Claims { get; set; }

    /// <summary>No new transaction on this session; those in flight finish.</summary>
    public void Retire() => IsRetired = true;

    /// <summary>
    /// For an idle session, before it is taken again: true when octets arrived that nobody asked for (a
    /// spare reply that came after the reply it follows, or the peer's own farewell: a 421 on its timeout,
    /// a TLS alert). The session is then out of step — the next transaction would read those octets as
    /// its RSET reply and every later reply one command off — and is marked broken, to be closed without
    /// a QUIT. One FIONREAD, no read.
    /// </summary>
    public bool CheckIdleInput()
    {
        bool unread;
        try
        {
            unread = _reader.Buffered > 0 || (_socket?.Available ?? 0) > 0;
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            unread = true;
        }

        if (unread)
        {
            OutOfStep("idle");
        }

        return unread;
    }

    /// <summary>
    /// Connects and makes the session ready for a transaction, or says why not (a reply for the
    /// recipients: <c>connect_failed</c>, the peer's refusal of the greeting/EHLO/STARTTLS,
    /// <c>starttls_not_offered</c>). The peer's certificate is judged by the caller before any envelope command.
    /// </summary>
    public static async Task<(OutboundSession? Session, DeliveryReply? Failure)> OpenAsync(OutboundSessionSettings settings, NextHopAddress target, DateTimeOffset now, DeliveryMetrics? metrics, ILogger? logger, CancellationToken ct)
    {
        var hop = target.ToString();
        Socket socket;
        try
        {
            socket = await ConnectSocketAsync(target, settings.CommandTimeout, ct);
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return (null, DeliveryFailures.Reply(DeliveryFailure.ConnectFailed, $"cannot connect to {hop}: {ex.GetType().Name}: {Short(ex.Message)}"));
        }

        var session = new OutboundSession(settings, target, new NetworkStream(socket, ownsSocket: true), now, metrics, logger) { _socket = socket };
        try
        {
            var failure = await session.GreetAsync(ct);
            if (failure is null)
            {
                return (session, null);
            }

            await session.QuitAsync(ct);
            return (null, failure);
        }
        catch (Exception ex) when (IsSessionFailure(ex, ct))
        {
            await session.DisposeAsync();
            return (null, DeliveryFailures.Reply(DeliveryFailure.ConnectFailed, $"cannot connect to {hop}: {ex.GetType().Name}: {Short(ex.Message)}"));
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One transaction for these recipients: every recipient gets an outcome (delivered, deferred or
    /// failed, with the reply that decided it). Addresses that cannot be written were filtered by the caller.
    /// </summary>
    public async Task<TransactionResult> SendAsync(SpoolEnvelope envelope, IReadOnlyList<SpoolRecipient> recipients, OutboundContent content, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var peer = Capabilities;
        var pipelining = peer.Has(PeerExtensions.Pipelining);
        var bdat = _settings.UseChunking && !_settings.Lmtp && peer.Has(PeerExtensions.Chunking);
        var length = content.Length;
        var inline = bdat && pipelining && length <= _settings.InlineChunkLimit;
        var dsn = peer.Has(PeerExtensions.Dsn);
        var outcomes = new RecipientOutcome?[recipients.Count];
        var accepted = new List<int>(recipients.Count);
        var answered = false;
        var dataSent = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = timeout.Token;
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writing = false; // holds the write turn
        var queued = false; // counted in _inFlight, its read turn chained behind the previous transaction's
        var reading = false; // the transactions before it have read their replies: the stream's next reply is its own
        try
        {
            // The turns are waited for without a timeout of their own: each holder is bounded by its own timeouts.
            await _writeTurn.WaitAsync(ct);
            writing = true;
            timeout.CancelAfter(_settings.CommandTimeout);
            Task previous;
            bool behind;
            lock (_turnLock)
            {
                previous = _readTurn;
                _readTurn = turn.Task;
                behind = _inFlight > 0;
                _inFlight++;
            }

            queued = true;
            if (IsBroken)
            {
                // The session failed (or its peer is closing) while this one waited for its turn: nothing of it was sent.
                return new TransactionResult(recipients.Select(r => Local(r, ConnectionLost($"{Name}: the connection ended before this transaction was written"))).ToList(), SessionUsable: false, NothingAnswered: true);
            }

            if (!inline)
            {
                // Not one write: every earlier transaction finishes first, and the write turn is held to the end.
                await previous.WaitAsync(ct);
                reading = true;
                if (_lost)
                {
                    return LostBefore(recipients, dataSent);
                }

                timeout.CancelAfter(_settings.CommandTimeout);
            }

            Transactions++;
            var reset = Transactions > 1;
            var mailFrom = SmtpCommandText.MailFrom(envelope, peer, length);
            var rcpts = recipients.Select(r => SmtpCommandText.RcptTo(r, peer)).ToList();
            RemoteReply? rsetReply = null;
            RemoteReply mailReply;
            var rcptReplies = new RemoteReply?[recipients.Count];
            RemoteReply? dataReply = null; // DATA's 354, or the inline BDAT's final reply
            if (pipelining)
            {
                _out.ResetWrittenCount();
                if (reset)
                {
                    Append("RSET\r\n");
                }

                Append(mailFrom);
                rcpts.ForEach(Append);
                if (inline)
                {
                    Append($"BDAT {length.ToString(System.Globalization.CultureInfo.InvariantCulture)} LAST\r\n");
                    await AppendContentAsync(content, length, token);
                }
                else if (!bdat)
                {
                    Append("DATA\r\n");
                }

                await _stream.WriteAsync(_out.WrittenMemory, token);
                await _stream.FlushAsync(token);
                dataSent = inline;
                if (inline)
                {
                    if (behind)
                    {
                        _metrics?.Pipelined();
                    }

                    // The next transaction may be written now; this one's replies come after the earlier ones'.
                    _writeTurn.Release();
                    writing = false;
                    await previous.WaitAsync(ct);
                    reading = true;
                    if (_lost)
                    {
                        return LostBefore(recipients, dataSent);
                    }

                    timeout.CancelAfter(_settings.CommandTimeout);
                }

                if (reset)
                {
                    rsetReply = await _reader.ReadAsync(token);
                    answered = true;
                    if (!rsetReply.IsPositive && !inline)
                    {
                        // The connection is not in a state to trust and no message octet was sent: retry on a new one.
                        IsBroken = true;
                        return new TransactionResult(Defer(recipients, rsetReply), SessionUsable: false, NothingAnswered: true);
                    }
                }

                mailReply = await _reader.ReadAsync(token);
                answered = true;
                for (var i = 0; i < rcpts.Count; i++)
                {
                    rcptReplies[i] = await _reader.ReadAsync(token);
                }

                if (inline || !bdat)
                {
                    if (inline)
                    {
                        timeout.CancelAfter(_settings.DataTerminationTimeout);
                    }

                    dataReply = await _reader.ReadAsync(token);
                }
            }
            else
            {
                if (reset)
                {
                    rsetReply = await CommandAsync("RSET\r\n", token);
                    answered = true;
                    if (!rsetReply.IsPositive)
                    {
                        IsBroken = true;
                        return new TransactionResult(Defer(recipients, rsetReply), SessionUsable: false, NothingAnswered: !rsetReply.IsClosing);
                    }
                }

                mailReply = await CommandAsync(mailFrom, token);
                answered = true;
                if (mailReply.IsPositive)
                {
                    for (var i = 0; i < rcpts.Count; i++)
                    {
                        rcptReplies[i] = await CommandAsync(rcpts[i], token);
                        if (rcptReplies[i]!.IsClosing)
                        {
                            break;
                        }
                    }

                    if (!bdat && rcptReplies.Any(r => r?.IsPositive == true))
                    {
                        dataReply = await CommandAsync("DATA\r\n", token);
                    }
                }
            }

            if (mailReply.IsIntermediate || rcptReplies.Any(r => r?.IsIntermediate == true) || (dataReply is { IsPositive: true } && !inline) || (dataReply is { IsIntermediate: true } && inline))
            {
                throw new RemoteProtocolException("a 3yz reply to MAIL, RCPT or BDAT, or a 2yz reply to DATA");
            }

            if (rsetReply is { IsPositive: false })
            {
                // Refused RSET with the message already sent (inline BDAT): the replies that followed say what became of it.
                IsBroken = true;
            }

            if (!mailReply.IsPositive)
            {
                // RFC 5321 §4.1.1.2: the sender is refused; what follows in the group was refused as out of sequence.
                IsBroken |= mailReply.IsClosing || rcptReplies.Any(r => r?.IsClosing == true) || dataReply?.IsClosing == true;
                if (dataReply is { IsIntermediate: true })
                {
                    await EndEmptyDataAsync(token);
                }

                return new TransactionResult(recipients.Select(r => Remote(r, mailReply, dsn)).ToList(), InStep());
            }

            for (var i = 0; i < recipients.Count; i++)
            {
                var reply = rcptReplies[i];
                if (reply is null)
                {
                    outcomes[i] = Local(recipients[i], ConnectionLost("no reply to RCPT"));
                }
                else if (reply.IsPositive)
                {
                    accepted.Add(i);
                }
                else
                {
                    outcomes[i] = Remote(recipients[i], reply, dsn);
                    IsBroken |= reply.IsClosing;
                }
            }

            if (IsBroken || accepted.Count == 0)
            {
                // Nobody to deliver to (or the peer is closing): RFC 2920 §3.1, a DATA the peer accepted anyway is ended at once.
                if (!IsBroken && dataReply is { IsIntermediate: true })
                {
                    await EndEmptyDataAsync(token);
                }

                IsBroken |= dataReply?.IsClosing == true;
                var closed = ConnectionLost("the next hop closed the session");
                return new TransactionResult(recipients.Select((r, i) => outcomes[i] ?? Local(r, closed)).ToList(), InStep());
            }

            if (bdat && !inline)
            {
                // Large message: its recipients are known to be accepted before its octets are sent.
                timeout.CancelAfter(_settings.CommandTimeout);
                _out.ResetWrittenCount();
                Append($"BDAT {length.ToString(System.Globalization.CultureInfo.InvariantCulture)} LAST\r\n");
                await _stream.WriteAsync(_out.WrittenMemory, token);
                await CopyContentAsync(content, timeout, token);
                dataSent = true;
                timeout.CancelAfter(_settings.DataTerminationTimeout);
                dataReply = await _reader.ReadAsync(token);
            }
            else if (!bdat)
            {
                if (dataReply is not { IsIntermediate: true })
                {
                    // DATA refused (4yz/5yz; a 2yz here is not SMTP): the accepted recipients take that reply.
                    var refusal = dataReply is null || dataReply.IsPositive ? null : dataReply;
                    IsBroken |= refusal is null || refusal.IsClosing;
                    foreach (var i in accepted)
                    {
                        outcomes[i] = refusal is null ? Local(recipients[i], ConnectionLost("unexpected reply to DATA")) : Remote(recipients[i], refusal, dsn);
                    }

                    return new TransactionResult(Outcomes(outcomes), InStep());
                }

                timeout.CancelAfter(_settings.CommandTimeout);
                await DotStuffing.CopyAsync(content.Rewind(), _stream, token, () => timeout.CancelAfter(_settings.CommandTimeout));
                dataSent = true;
                timeout.CancelAfter(_settings.DataTerminationTimeout);
                if (!_settings.Lmtp)
                {
                    dataReply = await _reader.ReadAsync(token);
                }
            }

            if (_settings.Lmtp)
            {
                // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
                foreach (var i in accepted)
                {
                    var reply = await _reader.ReadAsync(token);
                    outcomes[i] = Remote(recipients[i], reply, dsn);
                    IsBroken |= reply.IsClosing;
                }
            }
            else
            {
                var final = dataReply!;
                if (final.IsIntermediate)
                {
                    IsBroken = true;
                    final = new RemoteReply(451, ["4.4.2 connection_lost: unexpected 3yz reply after the data"]);
                }

                IsBroken |= final.IsClosing;
                foreach (var i in accepted)
                {
                    outcomes[i] = Remote(recipients[i], final, dsn);
                }
            }

            return new TransactionResult(Outcomes(outcomes), InStep());
        }
        catch (Exception ex) when (IsSessionFailure(ex, ct))
        {
            // Lost connection, timeout or a reply that is not SMTP: the outcome of what was in flight is unknown,
            // so it is deferred. After the whole message was sent this is RFC 5321 §6.1's window: the peer may
            // have taken it, and the retry may deliver it twice. Before that it cannot have.
            IsBroken = true;
            if (queued)
            {
                // The transactions written behind this one cannot read their replies any more (and if this one gave up
                // before its turn, the next reply on the stream would be its own, not theirs). When the connection
                // failed on this one's first read, the peer answered nothing of it, so nothing behind it either: they
                // are retried at once as this one is (the case of a pooled connection the peer had closed).
                _lostUnanswered = reading && !answered;
                _lost = true;
            }

            var lost = ConnectionLost($"{Name}: {ex.GetType().Name}: {Short(ex.Message)}" + (dataSent ? " (after the data was sent)" : string.Empty));
            return new TransactionResult(
                recipients.Select((r, i) => outcomes[i] ?? Local(r, lost)).ToList(),
                SessionUsable: false,
                NothingAnswered: !answered);
        }
        catch
        {
            // Shutdown (or a fault): the replies this one leaves unread would be taken by the ones behind it.
            IsBroken = true;
            if (queued)
            {
                _lost = true;
            }

            throw;
        }
        finally
        {
            if (queued)
            {
                lock (_turnLock)
                {
                    _inFlight--;
                }

                turn.SetResult();
            }

            if (writing)
            {
                _writeTurn.Release();
            }
        }
    }

    /// <summary>
    /// The connection failed under a transaction written before this one: deferred. When the peer had
    /// answered nothing at all, it cannot have taken this one either (replies come in order), and the
    /// caller may retry at once on a new connection.
    /// </summary>
    private TransactionResult LostBefore(IReadOnlyList<SpoolRecipient> recipients, bool dataSent)
    {
        var lost = ConnectionLost($"{Name}: the connection failed under the transaction written before this one" + (dataSent ? " (after the data was sent)" : string.Empty));
        return new TransactionResult(recipients.Select(r => Local(r, lost)).ToList(), SessionUsable: false, NothingAnswered: _lostUnanswered);
    }

    /// <summary>
    /// The session is out of step (<paramref name="where"/>: <c>idle</c>, octets on a pooled connection
    /// nobody asked for; <c>after_reply</c>, more than a transaction's replies): broken, never taken
    /// again; counted and logged with the connection's name (host and port, no message data).
    /// </summary>
    private void OutOfStep(string where)
    {
        IsBroken = true;
        _metrics?.OutOfStep();
        if (_logger is not null)
        {
            DeliveryLog.OutOfStep(_logger, Name, where);
        }
    }

    /// <summary>
    /// Whether the session may carry another transaction. Beyond <see cref="IsBroken"/>: once every reply
    /// of a transaction was read, nothing more may have arrived. A peer that answered more than it was
    /// asked (a reply ahead of its command, a second reply to the data) is out of step, and on a reused
    /// connection its spare reply would be taken as the answer to the next message's RSET, MAIL or RCPT,
    /// so the session is not reused.
    /// </summary>
    private bool InStep()
    {
        lock (_turnLock)
        {
            // With a transaction written behind this one, its replies may be here already: only the last one in flight can tell.
            if (_inFlight == 1)
            {
                if (_reader.Buffered > 0)
                {
                    OutOfStep("after_reply");
                }
                else
                {
                    _inStep = true;
                }
            }
        }

        return !IsBroken;
    }

    /// <summary>QUIT, read the 221 briefly, close. Never throws: the outcome of every transaction is already settled.</summary>
    public async Task QuitAsync(CancellationToken ct)
    {
        if (!IsBroken && _disposed == 0)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(5) < _settings.CommandTimeout ? TimeSpan.FromSeconds(5) : _settings.CommandTimeout);
                await CommandAsync("QUIT\r\n", timeout.Token);
                if (_stream is SslStream ssl)
                {
                    await ssl.ShutdownAsync();
                }
            }
            catch (Exception ex) when (IsSessionFailure(ex, ct) || ex is OperationCanceledException)
            {
                // A peer that drops the line on QUIT changes nothing.
            }
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        IsBroken = true;
        _reader.Dispose();
        await _stream.DisposeAsync();
        _writeTurn.Dispose();
        _metrics?.SessionClosed();
    }

    private async Task<DeliveryReply?> GreetAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_settings.CommandTimeout);
        var token = timeout.Token;
        if (_settings.Tls == NextHopTls.Implicit)
        {
            await HandshakeAsync(token);
        }

        var greeting = await _reader.ReadAsync(token);
        if (greeting.Code != 220)
        {
            // RFC 5321 §3.1: 554 means no SMTP service here; any other code is not a greeting.
            return FromPeer(greeting.IsPositive || greeting.IsIntermediate ? new RemoteReply(451, ["4.4.1 unexpected greeting " + greeting]) : greeting);
        }

        var hello = (_settings.Lmtp ? "LHLO " : "EHLO ") + _settings.HeloName + "\r\n";
        var ehlo = await CommandAsync(hello, token);
        if (!ehlo.IsPositive)
        {
            if (_settings.Lmtp || _settings.Tls == NextHopTls.StartTls)
            {
                return FromPeer(ehlo);
            }

            // RFC 5321 §3.2: a server without EHLO gets HELO, and no extension is used.
            var helo = await CommandAsync("HELO " + _settings.HeloName + "\r\n", token);
            if (!helo.IsPositive)
            {
                return FromPeer(helo);
            }

            Capabilities = PeerCapabilities.None;
            return null;
        }

        Capabilities = PeerCapabilities.Parse(ehlo);
        if (_settings.Tls != NextHopTls.StartTls)
        {
            return null;
        }

        if (!Capabilities.Has(PeerExtensions.StartTls))
        {
            return DeliveryFailures.Reply(DeliveryFailure.StartTlsNotOffered, $"{Name} does not offer STARTTLS, required towards this next hop");
        }

        var starttls = await CommandAsync("STARTTLS\r\n", token);
        if (starttls.Code != 220)
        {
            return FromPeer(starttls);
        }

        if (_reader.Buffered > 0)
        {
            // Octets after the 220 arrived in clear text: a man in the middle injecting replies (the client side of CVE-2011-0411).
            throw new RemoteProtocolException("data after the STARTTLS reply, before the TLS handshake");
        }

        await HandshakeAsync(token);
        ehlo = await CommandAsync(hello, token);
        if (!ehlo.IsPositive)
        {
            return FromPeer(ehlo);
        }

        Capabilities = PeerCapabilities.Parse(ehlo);
        return null;
    }

    private async Task HandshakeAsync(CancellationToken ct)
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        X509Certificate2? peer = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = Target.Host,
            EnabledSslProtocols = _settings.Protocols,
            ClientCertificateContext = _settings.ClientCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // the trust engine's job (CRL cache), never a fetch per handshake
            CertificateChainPolicy = _settings.ChainPolicy(),
            AllowTlsResume = _settings.AllowTlsResume,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                peer = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                if (chain is not null)
                {
                    foreach (var c in chain.ChainPolicy.ExtraStore)
                    {
                        PeerChain.Add(X509CertificateLoader.LoadCertificate(c.RawData));
                    }
                }

                return _settings.AcceptCertificate(peer, errors);
            },
        };
        _stream = ssl;
        _reader.Dispose();
        _reader = new RemoteReplyReader(ssl);
        await ssl.AuthenticateAsClientAsync(options, ct);
        PeerCertificate = peer ?? (ssl.RemoteCertificate is { } remote ? X509CertificateLoader.LoadCertificate(remote.GetRawCertData()) : null);
    }

    private async Task<RemoteReply> CommandAsync(string command, CancellationToken ct)
    {
        _out.ResetWrittenCount();
        Append(command);
        await _stream.WriteAsync(_out.WrittenMemory, ct);
        await _stream.FlushAsync(ct);
        return await _reader.ReadAsync(ct);
    }

    private async Task EndEmptyDataAsync(CancellationToken ct)
    {
        await _stream.WriteAsync(".\r\n"u8.ToArray(), ct);
        await _stream.FlushAsync(ct);
        var reply = await _reader.ReadAsync(ct);
        IsBroken |= reply.IsClosing;
    }

    private void Append(string text)
    {
        var span = _out.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _out.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private async Task AppendContentAsync(OutboundContent content, long length, CancellationToken ct)
    {
        var source = content.Rewind();
        var left = (int)length;
        while (left > 0)
        {
            var n = await source.ReadAsync(_out.GetMemory(left)[..left], ct);
            if (n == 0)
            {
                throw new IOException("the spool file is shorter than its footer says");
            }

            _out.Advance(n);
            left -= n;
        }
    }

    private async Task CopyContentAsync(OutboundContent content, CancellationTokenSource timeout, CancellationToken ct)
    {
        var source = content.Rewind();
        var buffer = ArrayPool<byte>.Shared.Rent(65536);
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer, ct)) > 0)
            {
                timeout.CancelAfter(_settings.CommandTimeout); // a data block each 3-5 minutes at most (RFC 5321 §4.5.3.2.5)
                await _stream.WriteAsync(buffer.AsMemory(0, n), ct);
            }

            await _stream.FlushAsync(ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static IReadOnlyList<RecipientOutcome> Outcomes(RecipientOutcome?[] outcomes) => outcomes.Select(o => o!).ToList();

    private List<RecipientOutcome> Defer(IReadOnlyList<SpoolRecipient> recipients, RemoteReply reply) =>
        recipients.Select(r => Local(r, DeliveryFailures.Reply(DeliveryFailure.ConnectionLost, $"{Name} refused RSET ({Short(reply.ToString())})"))).ToList();

    private RecipientOutcome Remote(SpoolRecipient recipient, RemoteReply reply, bool dsn)
    {
        var r = reply.ToDeliveryReply();
        var result = reply.IsPositive ? RecipientResult.Delivered : reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred;
        return new RecipientOutcome(recipient.Address, result, r, Name, NextHopSupportsDsn: dsn, FromRemote: true);
    }

    private RecipientOutcome Local(SpoolRecipient recipient, DeliveryReply reply) =>
        new(recipient.Address, reply.IsPermanent ? RecipientResult.Failed : RecipientResult.Deferred, reply, Name);

    private static DeliveryReply ConnectionLost(string detail) => new(451, "4.4.2", "connection_lost: " + detail);

    private static DeliveryReply FromPeer(RemoteReply reply) => reply.ToDeliveryReply();

    private static bool IsSessionFailure(Exception ex, CancellationToken ct) =>
        ex is IOException or SocketException or AuthenticationException or ObjectDisposedException
        || (ex is OperationCanceledException && !ct.IsCancellationRequested);

    internal static string Short(string text) => (text.Length <= 200 ? text : text[..200]).ReplaceLineEndings(" ");

    private static async Task<Socket> ConnectSocketAsync(NextHopAddress target, TimeSpan timeout, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(target.Host, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(target.Host, ct);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            // TCP_NODELAY: SMTP is a chatty protocol of small writes, and Nagle's algorithm with delayed ACKs
            // adds tens of milliseconds to every exchange.
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            connectTimeout.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(address, target.Port, connectTimeout.Token);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                socket.Dispose();
                last = new SocketException((int)SocketError.TimedOut);
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}
