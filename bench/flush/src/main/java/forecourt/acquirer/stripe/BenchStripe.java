package forecourt.acquirer.stripe;

import java.time.Clock;
import java.time.Duration;

import forecourt.api.outbox.InstructionHandler;

/** The Stripe adapter for the flush benchmark (its classes are the bundle's private ones). */
public final class BenchStripe {
    private BenchStripe() {
    }

    public static InstructionHandler acquirer(String name, String baseUrl, String apiKey) {
        return new StripeAcquirer(name, new StripeApi(baseUrl, apiKey, Duration.ofSeconds(10)), Clock.systemUTC(), Duration.ofMillis(100));
    }
}
