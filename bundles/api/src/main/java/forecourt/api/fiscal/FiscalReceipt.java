package forecourt.api.fiscal;

import java.time.Instant;
import java.util.Objects;

/**
 * What the fiscal provider issued.
 *
 * @param provider    provider name ({@code none}, {@code rksv}, {@code cis}, ...)
 * @param receiptId   the provider's receipt id (RKSV receipt number, CIS JIR, ...)
 * @param signature   the signature (JWS compact, or the provider's own form); empty when
 *                    the country needs none
 * @param qrPayload   what the driver's receipt shows as QR code
 * @param degraded    issued without the fiscal service or device (its follow-up is {@code obligation})
 * @param obligation  what must still happen, e.g. "submit to CIS"; empty when nothing
 * @param deadline    by when the obligation must be met, or {@code null}
 */
public record FiscalReceipt(String provider, String receiptId, String signature, String qrPayload, boolean degraded, String obligation,
        Instant deadline) {
    public FiscalReceipt {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(receiptId, "receiptId");
        signature = signature == null ? "" : signature;
        qrPayload = qrPayload == null ? "" : qrPayload;
        obligation = obligation == null ? "" : obligation;
    }
}
