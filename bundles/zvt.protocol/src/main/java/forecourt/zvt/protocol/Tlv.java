package forecourt.zvt.protocol;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One element of a ZVT TLV container (BMP 06): BER tags (multi-byte when the low five bits
 * of the first byte are all set), BER lengths (one byte below 128, else {@code 81 nn} or
 * {@code 82 nn nn}); constructed tags (bit 6 of the first byte) hold further elements.
 *
 * @param tag   the tag's bytes as one number, e.g. {@code 0x1F62}
 * @param value the value bytes
 */
public record Tlv(int tag, byte[] value) {
    public Tlv {
        value = value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    public static Tlv of(int tag, byte[] value) {
        return new Tlv(tag, value);
    }

    public static Tlv constructed(int tag, List<Tlv> children) {
        return new Tlv(tag, encode(children));
    }

    /** Whether this element holds further elements. */
    public boolean isConstructed() {
        return (firstTagByte(tag) & 0x20) != 0;
    }

    public List<Tlv> children() throws ZvtProtocolException {
        if (!isConstructed()) {
            throw new ZvtProtocolException(String.format("TLV tag %X is primitive", tag));
        }
        return decode(value, 0, value.length);
    }

    /** The first element with this tag among {@code elements}. */
    public static Optional<Tlv> find(List<Tlv> elements, int tag) {
        return elements.stream().filter(t -> t.tag == tag).findFirst();
    }

    private static int firstTagByte(int tag) {
        int t = tag;
        while (t > 0xFF) {
            t >>>= 8;
        }
        return t;
    }

    public static List<Tlv> decode(byte[] b, int off, int len) throws ZvtProtocolException {
        List<Tlv> out = new ArrayList<>();
        int i = off;
        int end = off + len;
        while (i < end) {
            int tag = b[i++] & 0xFF;
            if ((tag & 0x1F) == 0x1F) {
                int next;
                do {
                    if (i >= end) {
                        throw new ZvtProtocolException("TLV tag runs past the container");
                    }
                    next = b[i++] & 0xFF;
                    tag = tag << 8 | next;
                } while ((next & 0x80) != 0 && tag <= 0xFFFFFF);
            }
            int[] length = length(b, i, end);
            i = length[1];
            if (i + length[0] > end) {
                throw new ZvtProtocolException(String.format("TLV tag %X says %d bytes, container has %d", tag, length[0], end - i));
            }
            out.add(new Tlv(tag, Arrays.copyOfRange(b, i, i + length[0])));
            i += length[0];
        }
        return out;
    }

    /** BER length at {@code i}: {length, position after it}. */
    static int[] length(byte[] b, int i, int end) throws ZvtProtocolException {
        if (i >= end) {
            throw new ZvtProtocolException("TLV length missing");
        }
        int first = b[i] & 0xFF;
        if (first < 0x80) {
            return new int[] { first, i + 1 };
        }
        int n = first & 0x7F;
        if (n < 1 || n > 2 || i + n >= end + 1) {
            throw new ZvtProtocolException(String.format("TLV length form %02X not supported", first));
        }
        int len = 0;
        for (int k = 1; k <= n; k++) {
            if (i + k >= end) {
                throw new ZvtProtocolException("TLV length runs past the container");
            }
            len = len << 8 | (b[i + k] & 0xFF);
        }
        return new int[] { len, i + 1 + n };
    }

    static void writeLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len <= 0xFF) {
            out.write(0x81);
            out.write(len);
        } else {
            out.write(0x82);
            out.write(len >>> 8);
            out.write(len & 0xFF);
        }
    }

    public static byte[] encode(List<Tlv> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Tlv t : elements) {
            for (int shift = 24; shift >= 0; shift -= 8) {
                int part = (t.tag >>> shift) & 0xFF;
                if (part != 0 || shift == 0 || (t.tag >>> shift) > 0xFF) {
                    out.write(part);
                }
            }
            writeLength(out, t.value.length);
            out.writeBytes(t.value);
        }
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tlv t && t.tag == tag && Arrays.equals(t.value, value);
    }

    @Override
    public int hashCode() {
        return tag * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return String.format("Tlv[%X, %d bytes]", tag, value.length);
    }
}
