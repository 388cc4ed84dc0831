package forecourt.zvt.protocol;

/**
 * Packed BCD as ZVT uses it: two decimal digits per byte, most significant first; in card
 * numbers {@code E} marks a masked digit and {@code F} pads an odd number of digits.
 */
public final class Bcd {
    private Bcd() {
    }

    /** {@code value} right-aligned in {@code bytes} bytes, zero-padded. */
    public static byte[] encode(long value, int bytes) {
        if (value < 0) {
            throw new IllegalArgumentException("BCD cannot carry a negative number: " + value);
        }
        byte[] out = new byte[bytes];
        long rest = value;
        for (int i = bytes - 1; i >= 0; i--) {
            int lo = (int) (rest % 10);
            rest /= 10;
            int hi = (int) (rest % 10);
            rest /= 10;
            out[i] = (byte) (hi << 4 | lo);
        }
        if (rest != 0) {
            throw new IllegalArgumentException(value + " does not fit in " + bytes + " BCD bytes");
        }
        return out;
    }

    public static long decode(byte[] b, int off, int len) throws ZvtProtocolException {
        long value = 0;
        for (int i = off; i < off + len; i++) {
            int hi = (b[i] >> 4) & 0x0F;
            int lo = b[i] & 0x0F;
            if (hi > 9 || lo > 9) {
                throw new ZvtProtocolException(String.format("byte %02X is not BCD", b[i] & 0xFF));
            }
            value = value * 100 + hi * 10 + lo;
        }
        return value;
    }

    public static long decode(byte[] b) throws ZvtProtocolException {
        return decode(b, 0, b.length);
    }

    /**
     * The digits of a card number field: {@code E} becomes {@code *}, a trailing {@code F}
     * pad is dropped; anything else that is not a digit is refused.
     */
    public static String digits(byte[] b) throws ZvtProtocolException {
        StringBuilder out = new StringBuilder(b.length * 2);
        for (int i = 0; i < b.length * 2; i++) {
            int nibble = i % 2 == 0 ? (b[i / 2] >> 4) & 0x0F : b[i / 2] & 0x0F;
            if (nibble <= 9) {
                out.append((char) ('0' + nibble));
            } else if (nibble == 0x0E) {
                out.append('*');
            } else if (nibble == 0x0F && i == b.length * 2 - 1) {
                break;
            } else {
                throw new ZvtProtocolException(String.format("nibble %X in a card number field", nibble));
            }
        }
        return out.toString();
    }

    /** Card number digits ({@code *} masked) as BCD with {@code E} and an {@code F} pad. */
    public static byte[] digitsToBytes(String digits) {
        byte[] out = new byte[(digits.length() + 1) / 2];
        for (int i = 0; i < out.length * 2; i++) {
            int nibble;
            if (i >= digits.length()) {
                nibble = 0x0F;
            } else if (digits.charAt(i) == '*') {
                nibble = 0x0E;
            } else {
                nibble = Character.digit(digits.charAt(i), 10);
                if (nibble < 0) {
                    throw new IllegalArgumentException("not a card number digit: " + digits.charAt(i));
                }
            }
            out[i / 2] |= (byte) (i % 2 == 0 ? nibble << 4 : nibble);
        }
        return out;
    }
}
