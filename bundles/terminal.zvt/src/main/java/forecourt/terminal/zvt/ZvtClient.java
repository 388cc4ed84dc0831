package forecourt.terminal.zvt;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.zvt.protocol.Apdu;
import forecourt.zvt.protocol.ApduChannel;
import forecourt.zvt.protocol.Messages;
import forecourt.zvt.protocol.ResultCode;
import forecourt.zvt.protocol.StatusInformation;
import forecourt.zvt.protocol.ZvtProtocolException;

/**
 * The ECR side of one terminal's TCP link: connects and registers on first use, then runs
 * one command at a time through ZVT's master-rights dialogue — the terminal acknowledges the
 * command (80 00 00, or 84 xx to refuse it), sends intermediate status, status information
 * and print messages (each acknowledged here), and ends with completion (06 0F) or abort
 * (06 1E). Whatever breaks the dialogue (timeout, dropped link, malformed or unexpected
 * message) closes the connection — the next command opens a fresh one — and is reported as
 * a {@link LinkFailure} that says whether the command may have been applied.
 */
final class ZvtClient implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ZvtClient.class);
    /** Registration: ECR prints receipts, ECR controls payment and administration, intermediate status wanted. */
    static final int CONFIG_BYTE = 0xDE;

    /** How the dialogue ended. */
    sealed interface Answer permits Completed, Aborted {
    }

    record Completed(List<StatusInformation> statusInformation) implements Answer {
    }

    record Aborted(int resultCode, Apdu abort) implements Answer {
        String reason() {
            return ResultCode.describe(resultCode);
        }
    }

    /** The terminal refused the command (84 xx): it was not applied. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final int reason;

        Refused(int reason) {
            super("terminal refused the command: " + ResultCode.describe(reason));
            this.reason = reason;
        }
    }

    /** The link broke; {@link #mayHaveApplied} is false only when the command never left. */
    static final class LinkFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final boolean mayHaveApplied;

        LinkFailure(String message, boolean mayHaveApplied) {
            super(message);
            this.mayHaveApplied = mayHaveApplied;
        }
    }

    private final String terminalId;
    private final String host;
    private final int port;
    private final int password;
    private final int currency;
    private final Duration connectTimeout;
    private final Duration ackTimeout;
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private ApduChannel channel;

    ZvtClient(String terminalId, String host, int port, int password, int currency, Duration connectTimeout, Duration ackTimeout) {
        this.terminalId = terminalId;
        this.host = host;
        this.port = port;
        this.password = password;
        this.currency = currency;
        this.connectTimeout = connectTimeout;
        this.ackTimeout = ackTimeout;
    }

    int currency() {
        return currency;
    }

    int password() {
        return password;
    }

    /** Runs one command to its end, waiting at most {@code answerTimeout} for the terminal to finish it. */
    synchronized Answer transact(Apdu command, Duration answerTimeout) throws Refused, LinkFailure {
        connect();
        return dialogue(command, answerTimeout);
    }

    private void connect() throws LinkFailure {
        if (channel != null && channel.isOpen()) {
            return;
        }
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            channel = new ApduChannel(socket);
        } catch (IOException e) {
            closeQuietly(socket);
            count("connect.failed");
            throw new LinkFailure("terminal " + terminalId + " at " + host + ":" + port + " unreachable: " + e.getMessage(), false);
        }
        count("connects");
        try {
            Answer registered = dialogue(Messages.registration(password, CONFIG_BYTE, currency), ackTimeout.multipliedBy(4));
            if (registered instanceof Aborted a) {
                close();
                throw new LinkFailure("terminal " + terminalId + " refused registration: " + a.reason(), false);
            }
            log.info("ZVT terminal {} registered at {}:{}", terminalId, host, port);
        } catch (Refused r) {
            close();
            throw new LinkFailure("terminal " + terminalId + " refused registration: " + ResultCode.describe(r.reason), false);
        } catch (LinkFailure f) {
            throw new LinkFailure(f.getMessage(), false); // nothing but the registration was sent
        }
    }

    private Answer dialogue(Apdu command, Duration answerTimeout) throws Refused, LinkFailure {
        String what = String.format("%04X", command.command());
        try {
            channel.write(command);
        } catch (IOException e) {
            return broken("sending " + what + " failed: " + e.getMessage(), "link.broken");
        }
        Apdu ack = read(ackTimeout, what, "acknowledgement");
        if (ack.cls() == Messages.NAK_CLASS) {
            count("refused");
            throw new Refused(ack.instruction());
        }
        if (ack.command() != Messages.ACK) {
            return broken("expected 80 00 00 for " + what + ", got " + ack, "unexpected");
        }
        Instant deadline = Instant.now().plus(answerTimeout);
        List<StatusInformation> infos = new ArrayList<>();
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                return broken("no completion of " + what + " within " + answerTimeout.toSeconds() + " s", "timeout");
            }
            Apdu message = read(left, what, "completion");
            switch (message.command()) {
                case Messages.INTERMEDIATE_STATUS, Messages.PRINT_LINE, Messages.PRINT_TEXT_BLOCK -> acknowledge();
                case Messages.STATUS_INFORMATION -> {
                    try {
                        infos.add(StatusInformation.of(message));
                    } catch (ZvtProtocolException e) {
                        return broken("malformed status information during " + what + ": " + e.getMessage(), "malformed");
                    }
                    acknowledge();
                }
                case Messages.COMPLETION -> {
                    acknowledge();
                    return new Completed(infos);
                }
                case Messages.ABORT -> {
                    acknowledge();
                    int code = message.data().length > 0 ? message.data()[0] & 0xFF : ResultCode.SYSTEM_ERROR;
                    return new Aborted(code, message);
                }
                default -> {
                    return broken("unexpected " + message + " during " + what, "unexpected");
                }
            }
        }
    }

    private Apdu read(Duration timeout, String what, String waitingFor) throws LinkFailure {
        try {
            return channel.read(timeout);
        } catch (SocketTimeoutException e) {
            return broken("no " + waitingFor + " of " + what + " within " + timeout.toMillis() + " ms", "timeout");
        } catch (EOFException e) {
            return broken("terminal closed the link while " + what + " was running", "link.broken");
        } catch (IOException e) {
            return broken("link failed while " + what + " was running: " + e.getMessage(), "link.broken");
        } catch (ZvtProtocolException e) {
            return broken("malformed APDU during " + what + ": " + e.getMessage(), "malformed");
        }
    }

    private void acknowledge() throws LinkFailure {
        try {
            channel.write(Messages.ack());
        } catch (IOException e) {
            broken("acknowledging failed: " + e.getMessage(), "link.broken");
        }
    }

    /** Closes the link (the next command reconnects) and reports the failure. */
    private <T> T broken(String why, String counter) throws LinkFailure {
        count(counter);
        if (counter.equals("malformed") || counter.equals("unexpected")) {
            log.error("ZVT terminal {}: {} — link closed, reconnecting on the next command", terminalId, why);
        } else {
            log.warn("ZVT terminal {}: {}", terminalId, why);
        }
        close();
        throw new LinkFailure(why, true);
    }

    private void count(String what) {
        counters.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    long counter(String what) {
        LongAdder a = counters.get(what);
        return a == null ? 0 : a.sum();
    }

    Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    synchronized boolean isConnected() {
        return channel != null && channel.isOpen();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        ApduChannel c = channel;
        channel = null;
        if (c != null) {
            c.close();
        }
    }
}
