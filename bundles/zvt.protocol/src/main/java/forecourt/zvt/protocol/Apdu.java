package forecourt.zvt.protocol;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One ZVT APDU: control field (class, instruction), length, data. The length is one byte,
 * or, when the data is 255 bytes or more, {@code FF} followed by two bytes little-endian.
 *
 * @param cls         CCRC class byte, e.g. {@code 0x06}
 * @param instruction APRC instruction byte, e.g. {@code 0x22} (pre-authorisation)
 * @param data        the data block (BMPs, TLV container)
 */
public record Apdu(int cls, int instruction, byte[] data) {
    /** Larger data is refused: no ZVT message Forecourt exchanges comes near it. */
    public static final int MAX_DATA = 0xFFFF;

    public Apdu {
        if (cls < 0 || cls > 0xFF || instruction < 0 || instruction > 0xFF) {
            throw new IllegalArgumentException("class and instruction are single bytes");
        }
        Objects.requireNonNull(data, "data");
        if (data.length > MAX_DATA) {
            throw new IllegalArgumentException("APDU data of " + data.length + " bytes exceeds " + MAX_DATA);
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** The control field as one number, e.g. {@code 0x0622}. */
    public int command() {
        return cls << 8 | instruction;
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 5);
        out.write(cls);
        out.write(instruction);
        if (data.length < 0xFF) {
            out.write(data.length);
        } else {
            out.write(0xFF);
            out.write(data.length & 0xFF);
            out.write(data.length >>> 8);
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    /**
     * Decodes exactly one APDU from {@code bytes}.
     *
     * @throws ZvtProtocolException when the bytes are not exactly one well-formed APDU
     */
    public static Apdu decode(byte[] bytes) throws ZvtProtocolException {
        if (bytes.length < 3) {
            throw new ZvtProtocolException("APDU shorter than its header: " + HexFormat.of().formatHex(bytes));
        }
        int header = 3;
        int length = bytes[2] & 0xFF;
        if (length == 0xFF) {
            if (bytes.length < 5) {
                throw new ZvtProtocolException("APDU with an extended length but no length bytes");
            }
            length = (bytes[3] & 0xFF) | (bytes[4] & 0xFF) << 8;
            header = 5;
        }
        if (bytes.length != header + length) {
            throw new ZvtProtocolException("APDU " + HexFormat.of().formatHex(bytes, 0, 2) + " says " + length + " data bytes, has "
                    + (bytes.length - header));
        }
        return new Apdu(bytes[0] & 0xFF, bytes[1] & 0xFF, Arrays.copyOfRange(bytes, header, bytes.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Apdu a && a.cls == cls && a.instruction == instruction && Arrays.equals(a.data, data);
    }

    @Override
    public int hashCode() {
        return command() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return String.format("Apdu[%02X %02X, %d bytes]", cls, instruction, data.length);
    }
}
