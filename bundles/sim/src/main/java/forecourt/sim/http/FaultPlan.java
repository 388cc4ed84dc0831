package forecourt.sim.http;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

/**
 * Which fault the next money request meets: first any scripted faults in order, then a
 * random one at the configured rate (seeded, so a failing sequence can be replayed).
 */
public final class FaultPlan {
    private final Deque<Fault> scripted = new ArrayDeque<>();
    private Random random = new Random(1);
    private double rate;
    private Fault[] randomFaults = { Fault.DROP_BEFORE_APPLY, Fault.APPLY_THEN_DROP, Fault.APPLY_THEN_STALL, Fault.SERVER_ERROR,
            Fault.UNAVAILABLE, Fault.RATE_LIMITED };
    private long stallMillis = 3_000;

    public synchronized FaultPlan script(Fault... faults) {
        for (Fault f : faults) {
            scripted.addLast(f);
        }
        return this;
    }

    /** Each request meets one of {@code faults} with probability {@code rate}. */
    public synchronized FaultPlan random(long seed, double rate, Fault... faults) {
        this.random = new Random(seed);
        this.rate = rate;
        if (faults.length > 0) {
            this.randomFaults = faults.clone();
        }
        return this;
    }

    public synchronized FaultPlan stallMillis(long millis) {
        this.stallMillis = millis;
        return this;
    }

    public synchronized long stallMillis() {
        return stallMillis;
    }

    /**
     * Applies an emulator admin request ({@code POST /_emulator/faults}):
     * {@code {"clear":true}}, {@code {"script":["APPLY_THEN_DROP",...]}}, {@code {"seed":1,"rate":0.3}}.
     */
    public synchronized FaultPlan configure(com.fasterxml.jackson.databind.JsonNode request) {
        if (request.path("clear").asBoolean()) {
            clear();
        }
        request.path("script").forEach(f -> script(Fault.valueOf(f.asText())));
        if (request.has("rate")) {
            random(request.path("seed").asLong(1), request.get("rate").asDouble());
        }
        return this;
    }

    public synchronized FaultPlan clear() {
        scripted.clear();
        rate = 0;
        return this;
    }

    public synchronized Fault next() {
        if (!scripted.isEmpty()) {
            return scripted.pollFirst();
        }
        if (rate > 0 && random.nextDouble() < rate) {
            return randomFaults[random.nextInt(randomFaults.length)];
        }
        return Fault.NONE;
    }
}
