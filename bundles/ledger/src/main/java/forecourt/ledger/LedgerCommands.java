package forecourt.ledger;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import forecourt.api.ledger.ChainVerification;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;

/**
 * Gogo commands for a technician: {@code ledger:status}, {@code ledger:sessions [STATE]},
 * {@code ledger:session REF}, {@code ledger:outbox}, {@code ledger:verify},
 * {@code ledger:export FILE}, {@code ledger:archive DAYS}.
 */
@Component(service = LedgerCommands.class, property = { "osgi.command.scope=ledger", "osgi.command.function=status",
        "osgi.command.function=sessions", "osgi.command.function=session", "osgi.command.function=outbox",
        "osgi.command.function=verify", "osgi.command.function=export", "osgi.command.function=archive" })
public class LedgerCommands {
    private final LedgerComponent ledger;

    @Activate
    public LedgerCommands(@Reference(service = forecourt.api.ledger.Ledger.class) forecourt.api.ledger.Ledger ledger) {
        this.ledger = (LedgerComponent) ledger;
    }

    public String status() {
        LedgerStore s = ledger;
        StringBuilder out = new StringBuilder();
        out.append("ledger ").append(s.file().toAbsolutePath()).append(": ").append(s.head()).append(" facts, ")
                .append(s.fileSize() / 1024).append(" KiB, ").append(s.batches()).append(" commits, ")
                .append(s.refusedCount()).append(" refused since start\n");
        out.append("on open: ").append(s.recoveryReport()).append('\n');
        Map<String, Integer> counts = s.sessionCounts();
        out.append("sessions: ").append(counts.isEmpty() ? "none" : counts.toString()).append('\n');
        out.append("open instructions: ").append(s.outbox().size()).append('\n');
        return out.toString();
    }

    public String sessions() {
        return sessions(null);
    }

    public String sessions(String state) {
        List<PaymentSession> list = state == null ? ledger.sessions(null) : ledger.sessions(PaymentSessionState.valueOf(state.toUpperCase()));
        StringBuilder out = new StringBuilder();
        list.forEach(p -> out.append(String.format("%-38s %-16s %4d facts  %s%n", p.authorizationReference(), p.state(),
                p.factSeqs().size(), p.updatedAt())));
        List<PaymentSession> orphans = ledger.sessionsWithoutHold();
        if (state == null && !orphans.isEmpty()) {
            out.append("facts naming a reference with no hold (never billed):\n");
            orphans.forEach(p -> out.append(String.format("  %-38s %4d facts%n", p.authorizationReference(), p.factSeqs().size())));
        }
        return out.length() == 0 ? "no sessions\n" : out.toString();
    }

    public String session(String reference) {
        List<JournalEntry> timeline = ledger.timeline(reference);
        if (timeline.isEmpty()) {
            return "no session " + reference + "\n";
        }
        StringBuilder out = new StringBuilder("session " + reference + ": " + ledger.session(reference).map(PaymentSession::state).orElse(null) + "\n");
        for (JournalEntry e : timeline) {
            out.append(String.format("  %8d %s %-24s %s%s%n    %s%n", e.seq(), e.recordedAt(), e.fact().type(), e.fact().naturalKey(),
                    e.fact().moveTo() == null ? "" : " → " + e.fact().moveTo(), abbreviate(e.bodyText(), 200)));
        }
        return out.toString();
    }

    public String outbox() {
        List<OutboxEntry> open = ledger.outbox();
        if (open.isEmpty()) {
            return "outbox empty\n";
        }
        StringBuilder out = new StringBuilder();
        for (OutboxEntry e : open) {
            out.append(String.format("%-22s %-10s %-52s attempts %d  %s%s%n", e.link(), e.status(), e.key(), e.attempts(),
                    e.nextAttemptAt() == null ? "" : "next " + e.nextAttemptAt() + "  ", e.lastDetail() == null ? "" : e.lastDetail()));
        }
        return out.toString();
    }

    public String verify() {
        long t0 = System.nanoTime();
        ChainVerification v = ledger.verify();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return v.intact() ? "chain intact: " + v.checked() + " facts verified in " + ms + " ms\n"
                : "CHAIN BROKEN at seq " + v.firstBad() + ": " + v.problem() + " (" + v.checked() + " verified before it)\n";
    }

    public String export(String file) throws IOException {
        Path target = Paths.get(file);
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        long n;
        try (OutputStream out = Files.newOutputStream(tmp)) {
            n = JsonLinesExport.export(ledger, out);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return "exported " + n + " facts to " + target.toAbsolutePath() + "\n";
    }

    /** Archives closed sessions older than {@code days} now, then compacts. */
    public String archive(int days) {
        return ledger.housekeep(days) + "\n";
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
