package forecourt.fiscal.rksv;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The RKSV's formats and primitives, as the Detailspezifikation states them: amounts as
 * {@code 1200,34}; the receipt date {@code yyyy-MM-ddTHH:mm:ss}; the turnover counter
 * encrypted with AES-256 in ICM (= CTR) mode under the cash box's key, the IV being the
 * first 16 bytes of SHA-256 over cash box id and receipt number, 8 bytes kept; the chain
 * value, the first 8 bytes of SHA-256 of the previous receipt's JWS (of the cash box id for
 * the start receipt); the JWS header {@code {"alg":"ES256"}}.
 */
public final class Rksv {
    /** The JWS protected header every receipt carries. */
    public static final String JWS_HEADER = "{\"alg\":\"ES256\"}";
    /** The signature value of a receipt issued while the signature device had failed. */
    public static final String DEVICE_FAILED = "Sicherheitseinrichtung ausgefallen";
    /** Bytes of the encrypted turnover counter kept (the specification allows 5 to 16). */
    public static final int TURNOVER_BYTES = 8;
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private Rksv() {
    }

    /** Cents as the regulation writes them: {@code 120034} → {@code 1200,34}, {@code -3711} → {@code -37,11}. */
    public static String amount(long cents) {
        long abs = Math.abs(cents);
        return (cents < 0 ? "-" : "") + (abs / 100) + "," + String.format("%02d", abs % 100);
    }

    public static String date(LocalDateTime at) {
        return DATE.format(at);
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chain value: base64 of the first 8 bytes of SHA-256 of the previous JWS (or of the cash box id). */
    public static String chainValue(String previousJwsOrCashBoxId) {
        return B64.encodeToString(Arrays.copyOf(sha256(previousJwsOrCashBoxId), 8));
    }

    private static byte[] ctr(byte[] aesKey, String cashBoxId, String receiptId, byte[] block) {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new IvParameterSpec(Arrays.copyOf(sha256(cashBoxId + receiptId), 16)));
            return aes.doFinal(block);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256/CTR is required: " + e, e);
        }
    }

    /** The turnover counter (cents) encrypted for this receipt: base64 of 8 bytes. */
    public static String encryptTurnover(byte[] aesKey, String cashBoxId, String receiptId, long turnoverCents) {
        byte[] block = new byte[16];
        for (int i = 0; i < TURNOVER_BYTES; i++) {
            block[i] = (byte) (turnoverCents >>> (8 * (TURNOVER_BYTES - 1 - i)));
        }
        return B64.encodeToString(Arrays.copyOf(ctr(aesKey, cashBoxId, receiptId, block), TURNOVER_BYTES));
    }

    /** The inverse of {@link #encryptTurnover} (CTR is its own inverse). */
    public static long decryptTurnover(byte[] aesKey, String cashBoxId, String receiptId, String encrypted) {
        byte[] block = Arrays.copyOf(Base64.getDecoder().decode(encrypted), 16);
        byte[] plain = ctr(aesKey, cashBoxId, receiptId, block);
        long v = 0;
        for (int i = 0; i < TURNOVER_BYTES; i++) {
            v = v << 8 | (plain[i] & 0xFF);
        }
        return v;
    }

    /** The turnover field of a storno receipt ("STO") and a training receipt ("TRA"). */
    public static String marker(ReceiptType type) {
        return switch (type) {
            case STORNO_BELEG -> B64.encodeToString("STO".getBytes(StandardCharsets.UTF_8));
            case TRAINING_BELEG -> B64.encodeToString("TRA".getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException(type + " carries the encrypted counter");
        };
    }

    static String base64url(byte[] bytes) {
        return B64URL.encodeToString(bytes);
    }

    static String signingInput(String payload) {
        return base64url(JWS_HEADER.getBytes(StandardCharsets.UTF_8)) + "." + base64url(payload.getBytes(StandardCharsets.UTF_8));
    }

    /** The QR code / OCR form: the machine-readable code, "_", the signature value in base64. */
    public static String qrPayload(String jws) {
        String[] parts = jws.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        return payload + "_" + B64.encodeToString(Base64.getUrlDecoder().decode(parts[2]));
    }
}
