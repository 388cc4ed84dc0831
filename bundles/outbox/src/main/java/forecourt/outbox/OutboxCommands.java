package forecourt.outbox;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.OutboxEntry;

/**
 * Gogo commands: {@code outbox:links}, {@code outbox:list [LINK]}, {@code outbox:show KEY},
 * {@code outbox:retry KEY WHO WHY}, {@code outbox:cancel KEY WHO WHY}. Retry and cancel are
 * recorded in the ledger with who and why.
 */
@Component(service = OutboxCommands.class, property = { "osgi.command.scope=outbox", "osgi.command.function=links",
        "osgi.command.function=list", "osgi.command.function=show", "osgi.command.function=retry", "osgi.command.function=cancel" })
public class OutboxCommands {
    private final OutboxComponent outbox;
    private final Ledger ledger;

    @Activate
    public OutboxCommands(@Reference OutboxComponent outbox) {
        this.outbox = outbox;
        this.ledger = outbox.ledger();
    }

    public String links() {
        return outbox.status();
    }

    public String list() {
        return list(null);
    }

    public String list(String link) {
        List<OutboxEntry> open = ledger.outbox().stream().filter(e -> link == null || e.link().equals(link)).toList();
        if (open.isEmpty()) {
            return "no open instructions\n";
        }
        StringBuilder out = new StringBuilder();
        open.forEach(e -> out.append(String.format("%-22s %-9s %-52s %s attempts %d%s%n", e.link(), e.status(), e.key(),
                e.money() ? "money" : "note ", e.attempts(), e.lastDetail() == null ? "" : "  " + e.lastDetail())));
        return out.toString();
    }

    public String show(String key) {
        IdempotencyKey k = new IdempotencyKey(key);
        OutboxEntry e = ledger.instruction(k).orElse(null);
        if (e == null) {
            return "no instruction " + key + "\n";
        }
        StringBuilder out = new StringBuilder(e + "\n");
        if (e.session() != null) {
            for (JournalEntry j : ledger.timeline(e.session())) {
                if (j.fact().naturalKey().contains(key)) {
                    out.append(String.format("  %8d %s %-22s %s%n", j.seq(), j.recordedAt(), j.fact().type(), j.bodyText()));
                }
            }
        }
        return out.toString();
    }

    public String retry(String key, String who, String why) throws Exception {
        return done(ledger.retry(new IdempotencyKey(key), who, why), "retry recorded");
    }

    public String cancel(String key, String who, String why) throws Exception {
        return done(ledger.cancel(new IdempotencyKey(key), who, why), "cancel recorded");
    }

    private static String done(java.util.concurrent.CompletionStage<?> stage, String what) throws InterruptedException, TimeoutException {
        try {
            stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
            return what + "\n";
        } catch (ExecutionException e) {
            return "refused: " + e.getCause().getMessage() + "\n";
        }
    }
}
