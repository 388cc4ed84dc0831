package forecourt.sim.zvt;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.zvt.protocol.Apdu;
import forecourt.zvt.protocol.ApduChannel;
import forecourt.zvt.protocol.Bcd;
import forecourt.zvt.protocol.Bmp;
import forecourt.zvt.protocol.Messages;
import forecourt.zvt.protocol.ResultCode;
import forecourt.zvt.protocol.ZvtProtocolException;

/**
 * A ZVT payment terminal (the PT side, modelled on a Feig cVEND) on a TCP port: registration,
 * pre-authorisation, partial reversal, book total, reversal of a pre-authorisation, the open
 * pre-authorisation query, end-of-day, status enquiry. Its pre-authorisations are kept in a
 * file, so they survive a restart. Scriptable failures: a declined card, the connection
 * dropped right after a command was applied ("did it land?"), slow answers, a busy terminal,
 * a malformed message.
 */
public final class ZvtTerminalSimulator implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ZvtTerminalSimulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);

    /** A pre-authorisation as the terminal keeps it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PreAuth(int receipt, int trace, long amount, int currency, String state, long booked, int settleReceipt) {
        @JsonIgnore
        public boolean isOpen() {
            return state.equals("OPEN");
        }
    }

    /** What the terminal keeps on disk. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record State(int nextReceipt, int nextTrace, List<PreAuth> preAuths, long batchTotal) {
    }

    private final Path stateFile;
    private final int password;
    private final long terminalId;
    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "zvt-sim");
        t.setDaemon(true);
        return t;
    });
    /** One command at a time, like the real device: another connection meanwhile gets "please wait". */
    private final ReentrantLock busy = new ReentrantLock();
    private final List<ApduChannel> open = new ArrayList<>();
    private State state;

    private volatile int declineNext = -1;
    private final AtomicInteger busyNext = new AtomicInteger();
    private final AtomicInteger dropAfterApplyNext = new AtomicInteger();
    private final AtomicInteger malformedNext = new AtomicInteger();
    private final AtomicInteger unexpectedNext = new AtomicInteger();
    private volatile Duration answerDelay = Duration.ZERO;
    private volatile String cardPan = "559883******8074";
    private volatile String cardName = "MasterCard";
    private final AtomicLong commands = new AtomicLong();

    public ZvtTerminalSimulator(Path stateFile, int port, int password, long terminalId) throws IOException {
        this.stateFile = stateFile;
        this.password = password;
        this.terminalId = terminalId;
        this.state = Files.exists(stateFile) ? JSON.readValue(stateFile.toFile(), State.class) : new State(1, 1, List.of(), 0);
        this.server = new ServerSocket(port, 10, InetAddress.getLoopbackAddress());
        connections.execute(this::accept);
        log.info("ZVT terminal simulator {} on port {} ({} pre-authorisation(s) on file)", terminalId, port(), state.preAuths().size());
    }

    public int port() {
        return server.getLocalPort();
    }

    // --- scripting -------------------------------------------------------------------------

    /** The next card presented is declined with this result code (e.g. {@link ResultCode#DECLINED}). */
    public void declineNext(int resultCode) {
        declineNext = resultCode;
    }

    /** The next {@code n} commands are refused with {@code 84 9C} (please wait). */
    public void busyNext(int n) {
        busyNext.set(n);
    }

    /** The next settling command is applied, then the connection drops before any answer. */
    public void dropAfterApplyNext() {
        dropAfterApplyNext.incrementAndGet();
    }

    /** The next command is acknowledged, then answered by a malformed status information. */
    public void malformedNext() {
        malformedNext.incrementAndGet();
    }

    /** The next command is acknowledged, then answered by a well-formed message that has no place there (a status enquiry). */
    public void unexpectedNext() {
        unexpectedNext.incrementAndGet();
    }

    /** Wait this long before each answer. */
    public void answerDelay(Duration delay) {
        answerDelay = delay;
    }

    /** The card presented next (digits, {@code *} masked — some terminals send girocard numbers in full). */
    public void card(String pan, String name) {
        cardPan = pan;
        cardName = name;
    }

    /** Drops every open connection, as a pulled cable would. */
    public void dropConnections() {
        synchronized (open) {
            open.forEach(ApduChannel::close);
        }
    }

    // --- inspection ------------------------------------------------------------------------

    public synchronized List<PreAuth> preAuthorisations() {
        return state.preAuths();
    }

    public synchronized Optional<PreAuth> preAuthorisation(int receipt) {
        return state.preAuths().stream().filter(p -> p.receipt() == receipt).findFirst();
    }

    public long commandsReceived() {
        return commands.get();
    }

    // --- the terminal ----------------------------------------------------------------------

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                ApduChannel channel = new ApduChannel(socket);
                synchronized (open) {
                    open.add(channel);
                }
                try {
                    connections.execute(() -> serve(channel));
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    channel.close();
                }
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("ZVT simulator: accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(ApduChannel channel) {
        try {
            while (channel.isOpen()) {
                Apdu command = channel.read(Duration.ofDays(1));
                commands.incrementAndGet();
                if (busyNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 || !busy.tryLock()) {
                    channel.write(Messages.nak(ResultCode.PLEASE_WAIT));
                    continue;
                }
                try {
                    handle(channel, command);
                } finally {
                    busy.unlock();
                }
            }
        } catch (SocketException | java.io.EOFException e) {
            // the ECR went away, or a scripted drop
        } catch (IOException | ZvtProtocolException | RuntimeException e) {
            log.warn("ZVT simulator: connection {} ended: {}", channel, e.toString());
        } finally {
            channel.close();
            synchronized (open) {
                open.remove(channel);
            }
        }
    }

    private void pause() {
        if (!answerDelay.isZero()) {
            try {
                Thread.sleep(answerDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sends a terminal message and waits for the ECR's acknowledgement, as the master-rights dialogue requires. */
    private void send(ApduChannel channel, Apdu message) throws IOException, ZvtProtocolException {
        pause();
        channel.write(message);
        Apdu ack = channel.read(ACK_TIMEOUT);
        if (ack.command() != Messages.ACK) {
            throw new ZvtProtocolException("ECR answered " + ack + " instead of 80 00 00");
        }
    }

    private void handle(ApduChannel channel, Apdu command) throws IOException, ZvtProtocolException {
        Bmp.Fields fields;
        try {
            fields = switch (command.command()) {
                case Messages.REGISTRATION, Messages.END_OF_DAY, Messages.STATUS_ENQUIRY -> null;
                default -> Bmp.read(command.data(), 0);
            };
        } catch (ZvtProtocolException e) {
            log.warn("ZVT simulator: malformed command {}: {}", command, e.getMessage());
            channel.write(Messages.nak(ResultCode.PROTOCOL_ERROR));
            return;
        }
        pause();
        switch (command.command()) {
            case Messages.REGISTRATION, Messages.END_OF_DAY -> {
                if (command.data().length < 3 || Bcd.decode(command.data(), 0, 3) != password) {
                    channel.write(Messages.nak(ResultCode.FUNCTION_NOT_POSSIBLE));
                    return;
                }
            }
            case Messages.PRE_AUTHORISATION, Messages.PARTIAL_REVERSAL, Messages.BOOK_TOTAL, Messages.PRE_AUTH_REVERSAL,
                    Messages.STATUS_ENQUIRY -> {
            }
            default -> {
                channel.write(Messages.nak(ResultCode.FUNCTION_NOT_POSSIBLE));
                return;
            }
        }
        channel.write(Messages.ack());
        if (malformedNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            channel.write(new Apdu(0x04, 0x0F, new byte[] { 0x42, 0x00 }));
            return;
        }
        if (unexpectedNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            channel.write(Messages.statusEnquiry(password));
            return;
        }
        switch (command.command()) {
            case Messages.REGISTRATION -> send(channel, completionWithIdentity());
            // completion of a status enquiry: software version (untagged LLLVAR), terminal status 00 = ready
            case Messages.STATUS_ENQUIRY -> send(channel, new Apdu(0x06, 0x0F, Bmp.writer().raw((byte) 0xF0, (byte) 0xF1, (byte) 0xF3)
                    .raw("FORECOURT-SIM".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).raw((byte) 0x00).bytes()));
            case Messages.PRE_AUTHORISATION -> preAuthorise(channel, fields);
            case Messages.PARTIAL_REVERSAL -> {
                int receipt = Messages.receipt(fields.get(Bmp.RECEIPT).orElse(new byte[] { (byte) 0xFF, (byte) 0xFF }));
                if (receipt == Messages.ANY_OPEN_RECEIPT) {
                    send(channel, Messages.openPreAuthorisations(openReceipts()));
                } else {
                    settle(channel, receipt, held -> held - fields.bcd(Bmp.AMOUNT).orElse(0));
                }
            }
            case Messages.BOOK_TOTAL -> {
                long amount = fields.bcd(Bmp.AMOUNT).orElse(-1);
                settle(channel, Messages.receipt(fields.get(Bmp.RECEIPT).orElseThrow(() -> new ZvtProtocolException("book total without receipt"))),
                        held -> amount < 0 ? held : amount);
            }
            case Messages.PRE_AUTH_REVERSAL -> settle(channel,
                    Messages.receipt(fields.get(Bmp.RECEIPT).orElseThrow(() -> new ZvtProtocolException("reversal without receipt"))), held -> 0);
            case Messages.END_OF_DAY -> endOfDay(channel);
            default -> throw new IllegalStateException();
        }
    }

    private Apdu completionWithIdentity() {
        return new Apdu(0x06, 0x0F, Bmp.writer().fixed(Bmp.PAYMENT_TYPE, (byte) 0x00).bcd(Bmp.TERMINAL_ID, terminalId)
                .bcd(Bmp.CURRENCY, 978).bytes());
    }

    private synchronized List<Integer> openReceipts() {
        return state.preAuths().stream().filter(PreAuth::isOpen).map(PreAuth::receipt).toList();
    }

    private void preAuthorise(ApduChannel channel, Bmp.Fields fields) throws IOException, ZvtProtocolException {
        long amount = fields.bcd(Bmp.AMOUNT).orElseThrow(() -> new ZvtProtocolException("pre-authorisation without amount"));
        int currency = (int) fields.bcd(Bmp.CURRENCY).orElse(978);
        send(channel, Messages.intermediateStatus(0x0A)); // "insert card"
        int decline = declineNext;
        if (decline >= 0) {
            declineNext = -1;
            send(channel, Messages.abort(decline, new byte[0]));
            return;
        }
        PreAuth preAuth;
        synchronized (this) {
            preAuth = new PreAuth(state.nextReceipt(), state.nextTrace(), amount, currency, "OPEN", 0, 0);
            List<PreAuth> all = new ArrayList<>(state.preAuths());
            all.add(preAuth);
            save(new State(next(state.nextReceipt()), next(state.nextTrace()), all, state.batchTotal()));
        }
        log.info("ZVT simulator: pre-authorisation receipt {} for {} minor units", preAuth.receipt(), amount);
        send(channel, statusInformation(amount, currency, preAuth.receipt(), preAuth.trace(), true));
        send(channel, completionWithIdentity());
    }

    private Apdu statusInformation(long amount, int currency, int receipt, int trace, boolean card) {
        LocalDateTime now = LocalDateTime.now();
        Bmp.Writer w = Bmp.writer().fixed(Bmp.RESULT_CODE, (byte) 0).bcd(Bmp.AMOUNT, amount).bcd(Bmp.CURRENCY, currency)
                .bcd(Bmp.TIME, now.getHour() * 10000 + now.getMinute() * 100 + now.getSecond())
                .bcd(Bmp.DATE, now.getMonthValue() * 100 + now.getDayOfMonth());
        if (card) {
            w.variable(Bmp.PAN, Bcd.digitsToBytes(cardPan));
        }
        w.fixed(Bmp.RECEIPT, Bcd.encode(receipt, 2)).bcd(Bmp.TRACE, trace).bcd(Bmp.TERMINAL_ID, terminalId);
        if (card) {
            w.text(Bmp.CARD_NAME, cardName);
        }
        return new Apdu(0x04, 0x0F, w.bytes());
    }

    private static int next(int counter) {
        return counter >= 9999 ? 1 : counter + 1;
    }

    private interface Booking {
        long booked(long held) throws ZvtProtocolException;
    }

    private void settle(ApduChannel channel, int receipt, Booking booking) throws IOException, ZvtProtocolException {
        PreAuth settled = null;
        int refusal;
        synchronized (this) {
            Optional<PreAuth> found = preAuthorisation(receipt);
            if (found.isEmpty()) {
                refusal = ResultCode.PRE_AUTHORISATION_ERROR;
            } else if (!found.get().isOpen()) {
                refusal = ResultCode.ALREADY_REVERSED;
            } else {
                PreAuth p = found.get();
                long booked = booking.booked(p.amount());
                if (booked < 0 || booked > p.amount()) {
                    refusal = ResultCode.PRE_AUTHORISATION_INCORRECT;
                } else {
                    refusal = -1;
                    settled = new PreAuth(p.receipt(), state.nextTrace(), p.amount(), p.currency(), booked == 0 ? "REVERSED" : "BOOKED",
                            booked, state.nextReceipt());
                    PreAuth replacement = settled;
                    List<PreAuth> all = new ArrayList<>(state.preAuths());
                    all.replaceAll(x -> x.receipt() == receipt ? replacement : x);
                    save(new State(next(state.nextReceipt()), next(state.nextTrace()), all, state.batchTotal() + booked));
                }
            }
        }
        if (refusal >= 0) {
            log.info("ZVT simulator: settling receipt {} refused: {}", receipt, ResultCode.describe(refusal));
            send(channel, Messages.abort(refusal, new byte[0]));
            return;
        }
        log.info("ZVT simulator: pre-authorisation {} settled: {} booked, {} released", receipt, settled.booked(),
                settled.amount() - settled.booked());
        if (dropAfterApplyNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            log.info("ZVT simulator: scripted drop after applying receipt {}", receipt);
            channel.close();
            return;
        }
        send(channel, statusInformation(settled.booked(), settled.currency(), settled.settleReceipt(), settled.trace(), false));
        send(channel, Messages.completion());
    }

    private void endOfDay(ApduChannel channel) throws IOException, ZvtProtocolException {
        long total;
        int trace;
        synchronized (this) {
            total = state.batchTotal();
            trace = state.nextTrace();
            save(new State(state.nextReceipt(), next(state.nextTrace()), state.preAuths(), 0));
        }
        send(channel, new Apdu(0x04, 0x0F, Bmp.writer().fixed(Bmp.RESULT_CODE, (byte) 0).bcd(Bmp.AMOUNT, total).bcd(Bmp.TRACE, trace).bytes()));
        send(channel, Messages.completion());
    }

    private void save(State next) {
        try {
            Files.createDirectories(stateFile.toAbsolutePath().getParent());
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), next);
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            state = next;
        } catch (IOException e) {
            throw new IllegalStateException("ZVT simulator cannot keep its pre-authorisations: " + e, e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        dropConnections();
        connections.shutdownNow();
    }
}
