package forecourt.outbox;

import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.function.Function;

import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;

/** The outbox's delivery worker for the flush benchmark, as the gateway runs it. */
public final class BenchOutbox {
    private final DeliveryWorker worker;

    public BenchOutbox(Ledger ledger, Function<String, InstructionHandler> handlers) {
        this.worker = new DeliveryWorker(ledger, Clock.systemUTC(), handlers::apply, new DeliveryPolicy(20, Duration.ofMillis(50), Duration.ofSeconds(1), 0),
                new Random(1));
    }

    /** Drains every link that has something due, links side by side as the outbox component does; returns the steps taken. */
    public int drainDue() {
        return worker.dueByLink().entrySet().parallelStream().mapToInt(e -> worker.drain(e.getKey(), e.getValue())).sum();
    }
}
