package forecourt.ocpi;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.outbox.InstructionHandler;

/**
 * Financial Advice Confirmations to the CPO (link {@code cpo:<name>}): the body is the FAC
 * object, its {@code id} derived from the session, so a delivery whose answer was lost is
 * resolved by {@code GET …/financial-advice-confirmations/{id}} — found: it arrived; unknown
 * object: not applied, send it again — never by posting a second one blindly.
 */
final class FinancialAdviceHandler implements InstructionHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OcpiConnection connection;
    private final Clock clock;
    private final Duration backoff;

    FinancialAdviceHandler(OcpiConnection connection, Clock clock, Duration backoff) {
        this.connection = connection;
        this.clock = clock;
        this.backoff = backoff;
    }

    private String facUrl() throws IOException {
        connection.connect();
        String payments = connection.endpoint("payments", "RECEIVER");
        return (payments.endsWith("/") ? payments : payments + "/") + "financial-advice-confirmations";
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        JsonNode fac;
        try {
            fac = JSON.readTree(instruction.body());
        } catch (IOException e) {
            return InstructionOutcome.declined("not a financial advice confirmation");
        }
        String url;
        try {
            url = facUrl();
        } catch (IOException e) {
            return InstructionOutcome.retryable("CPO not reachable for the handshake: " + e.getMessage(), clock.instant().plus(backoff));
        }
        try {
            OcpiClient.Answer a = connection.client().post(url, fac);
            if (a.ok()) {
                return InstructionOutcome.succeeded(fac.path("id").asText());
            }
            if (a.http() / 100 == 4 || (a.statusCode() >= 2000 && a.statusCode() < 3000)) {
                return InstructionOutcome.declined("CPO refused the financial advice confirmation: " + a.describe());
            }
            return InstructionOutcome.unknown("CPO answered " + a.describe());
        } catch (OcpiClient.NotSent e) {
            return InstructionOutcome.retryable(e.getMessage(), clock.instant().plus(backoff));
        } catch (IOException e) {
            return InstructionOutcome.unknown("answer lost: " + e.getMessage());
        }
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        try {
            String id = JSON.readTree(instruction.body()).path("id").asText();
            OcpiClient.Answer a = connection.client().get(facUrl() + "/" + id);
            if (a.ok()) {
                return InstructionOutcome.succeeded(id);
            }
            if (a.unknownObject()) {
                return InstructionOutcome.retryable("the CPO has no confirmation " + id + ": not applied", clock.instant());
            }
            return InstructionOutcome.unknown("CPO answered " + a.describe());
        } catch (IOException e) {
            return InstructionOutcome.unknown("cannot ask the CPO: " + e.getMessage());
        }
    }
}
