package forecourt.fiscal.none;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalProvider;
import forecourt.api.fiscal.FiscalReceipt;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.LedgerException;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.PaymentJson;

/**
 * No fiscal service to call: the receipt is issued locally at once, with the site's
 * gap-free receipt number and a signature by the gateway's own key (so the driver can
 * check it was not altered — it is not a fiscal signature). Nothing goes upstream, so
 * there is nothing to be ambiguous about.
 */
@Component(name = "forecourt.fiscal.none", service = { FiscalProvider.class, InstructionHandler.class },
        property = InstructionHandler.LINK + "=fiscal:none")
public class NoFiscalProvider implements FiscalProvider {
    private static final Logger log = LoggerFactory.getLogger(NoFiscalProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ledger ledger;
    private final GatewaySigner signer;

    @Activate
    public NoFiscalProvider(@Reference Ledger ledger, BundleContext context) throws IOException, GeneralSecurityException {
        this(ledger, Path.of(context.getProperty("forecourt.data") == null ? "data" : context.getProperty("forecourt.data"), "receipt-signing.p8"));
    }

    NoFiscalProvider(Ledger ledger, Path keyFile) throws IOException, GeneralSecurityException {
        this.ledger = ledger;
        this.signer = new GatewaySigner(keyFile);
    }

    @Override
    public String name() {
        return "none";
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        FiscalRequest request = FiscalJson.request(instruction.body());
        if (ledger.byNaturalKey(NaturalKeys.fiscalReceipt(request.authorizationReference())).isPresent()) {
            return InstructionOutcome.succeeded(request.siteId() + "-" + request.receiptNumber()); // issued once, never again
        }
        ObjectNode payload = JSON.createObjectNode();
        payload.put("site", request.siteId()).put("receiptNumber", request.receiptNumber()).put("reference", request.authorizationReference())
                .put("energyWh", request.energyWh()).put("soldAt", request.soldAt().toString()).set("total", PaymentJson.money(request.total()));
        try {
            String jws = signer.jws(payload.toString());
            String receiptId = request.siteId() + "-" + request.receiptNumber();
            FiscalReceipt receipt = new FiscalReceipt("none", receiptId, jws, jws, false, "", null);
            Ledger.await(ledger.append(FiscalJson.receiptFact(request, receipt)));
            return InstructionOutcome.succeeded(receiptId);
        } catch (GeneralSecurityException e) {
            log.error("receipt signing failed: {}", e.toString());
            return InstructionOutcome.retryable("signing failed: " + e.getMessage(), java.time.Instant.now().plusSeconds(30));
        } catch (LedgerException e) {
            // not recorded: nothing left the box, so sending again is safe
            return InstructionOutcome.retryable("receipt not recorded: " + e.getMessage(), java.time.Instant.now());
        }
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        FiscalRequest request = FiscalJson.request(instruction.body());
        return ledger.byNaturalKey(NaturalKeys.fiscalReceipt(request.authorizationReference()))
                .map(e -> InstructionOutcome.succeeded(request.siteId() + "-" + request.receiptNumber())).orElse(InstructionOutcome.retryable("no receipt recorded", java.time.Instant.now()));
    }

    /** For the receipt page: the key that verifies the gateway's receipt signatures. */
    public String publicKey() {
        return signer.publicKeyBase64();
    }
}
