package forecourt.fiscal.cis;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.HexFormat;

/**
 * The protective code of the issuer (zaštitni kod izdavatelja, ZKI): the MD5 (hex, lower
 * case) of the RSA-SHA1 signature, under the business's fiscal certificate key, over OIB,
 * date and time ({@code dd.MM.yyyy HH:mm:ss}), receipt number, business premises mark, device
 * mark and total ({@code 123.45}) written one after the other. RSA PKCS#1 v1.5 signatures are
 * deterministic, so the same receipt always has the same ZKI.
 */
public final class Zki {
    private Zki() {
    }

    public static String input(String oib, String dateTime, long receiptNumber, String premises, String device, String total) {
        return oib + dateTime + receiptNumber + premises + device + total;
    }

    public static String compute(PrivateKey key, String input) {
        try {
            Signature rsa = Signature.getInstance("SHA1withRSA"); // the scheme CIS prescribes for ZKI
            rsa.initSign(key);
            rsa.update(input.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(rsa.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot compute the ZKI: " + e.getMessage(), e);
        }
    }
}
