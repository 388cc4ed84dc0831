package forecourt.zvt.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The BMP fields of a ZVT message: a one-byte field number followed by a value whose length
 * is fixed by the number, or given as LLVAR / LLLVAR ({@code Fx} digits), or — for BMP 06 —
 * a TLV container. Reading refuses an unknown field number, since the length of what follows
 * cannot be known.
 */
public final class Bmp {
    public static final int TIMEOUT = 0x01, MAX_STATUS_INFOS = 0x02, SERVICE_BYTE = 0x03, AMOUNT = 0x04, PUMP = 0x05, TLV = 0x06,
            TRACE = 0x0B, TIME = 0x0C, DATE = 0x0D, EXPIRY = 0x0E, CARD_SEQUENCE = 0x17, PAYMENT_TYPE = 0x19, PAN = 0x22,
            TRACK2 = 0x23, RESULT_CODE = 0x27, TERMINAL_ID = 0x29, VU_NUMBER = 0x2A, ORIGINAL_TRACE = 0x37, AID = 0x3B,
            ADDITIONAL_TEXT = 0x3C, CURRENCY = 0x49, SINGLE_AMOUNTS = 0x60, RECEIPT = 0x87, TURNOVER = 0x88, CARD_TYPE = 0x8A,
            CARD_NAME = 0x8B, CARD_TYPE_ID = 0x8C, RESULT_CODE_AS = 0xA0, DATE_YYMMDD = 0xAA;

    /** Length of each field number: positive = fixed bytes, -2 = LLVAR, -3 = LLLVAR, 0 = TLV. */
    private static final Map<Integer, Integer> LENGTHS = lengths();

    private static Map<Integer, Integer> lengths() {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        for (int one : new int[] { 0x01, 0x02, 0x03, 0x05, 0x19, 0x27, 0x8A, 0x8C, 0xA0, 0xD0, 0xD2, 0xD3, 0xE0, 0xE9, 0xEA, 0xF0, 0xF9,
                0xFA, 0xFB, 0xFC, 0xFD }) {
            m.put(one, 1);
        }
        m.put(0x04, 6);
        m.put(0x06, 0);
        m.put(0x0B, 3);
        m.put(0x0C, 3);
        m.put(0x0D, 2);
        m.put(0x0E, 2);
        m.put(0x17, 2);
        m.put(0x29, 4);
        m.put(0x2A, 15);
        m.put(0x37, 3);
        m.put(0x3A, 2);
        m.put(0x3B, 8);
        m.put(0x3D, 3);
        m.put(0x49, 2);
        m.put(0x87, 2);
        m.put(0x88, 3);
        m.put(0xAA, 3);
        m.put(0xBA, 5);
        m.put(0xEB, 8);
        for (int ll : new int[] { 0x22, 0x23, 0x2D, 0x8B, 0xA7, 0xD1, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xF1, 0xF2, 0xF3, 0xF4,
                0xF5, 0xF6, 0xF7, 0xF8 }) {
            m.put(ll, -2);
        }
        for (int lll : new int[] { 0x24, 0x2E, 0x3C, 0x60, 0x92, 0x9A, 0xAF }) {
            m.put(lll, -3);
        }
        return Collections.unmodifiableMap(m);
    }

    private Bmp() {
    }

    /** The fields of {@code data} from {@code offset} to its end. */
    public static Fields read(byte[] data, int offset) throws ZvtProtocolException {
        Map<Integer, byte[]> values = new LinkedHashMap<>();
        List<Tlv> tlv = List.of();
        int i = offset;
        while (i < data.length) {
            int number = data[i++] & 0xFF;
            Integer kind = LENGTHS.get(number);
            if (kind == null) {
                throw new ZvtProtocolException(String.format("unknown BMP %02X at byte %d", number, i - 1));
            }
            int len;
            if (kind > 0) {
                len = kind;
            } else if (kind == 0) {
                int[] l = Tlv.length(data, i, data.length);
                len = l[0];
                i = l[1];
            } else {
                int digits = -kind;
                if (i + digits > data.length) {
                    throw new ZvtProtocolException(String.format("BMP %02X: length digits run past the message", number));
                }
                len = 0;
                for (int k = 0; k < digits; k++) {
                    int b = data[i + k] & 0xFF;
                    if ((b & 0xF0) != 0xF0 || (b & 0x0F) > 9) {
                        throw new ZvtProtocolException(String.format("BMP %02X: length byte %02X is not Fx", number, b));
                    }
                    len = len * 10 + (b & 0x0F);
                }
                i += digits;
            }
            if (i + len > data.length) {
                throw new ZvtProtocolException(String.format("BMP %02X says %d bytes, message has %d", number, len, data.length - i));
            }
            byte[] value = Arrays.copyOfRange(data, i, i + len);
            if (number == TLV) {
                tlv = Tlv.decode(value, 0, value.length);
            }
            values.put(number, value);
            i += len;
        }
        return new Fields(values, tlv);
    }

    /** Writes fields in the order given. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** Untagged bytes (passwords, config bytes, result codes at the start of a message). */
        public Writer raw(byte... bytes) {
            out.writeBytes(bytes);
            return this;
        }

        public Writer fixed(int number, byte... value) {
            Integer kind = LENGTHS.get(number);
            if (kind == null || kind != value.length) {
                throw new IllegalArgumentException(String.format("BMP %02X does not take %d bytes", number, value.length));
            }
            out.write(number);
            out.writeBytes(value);
            return this;
        }

        public Writer bcd(int number, long value) {
            return fixed(number, Bcd.encode(value, LENGTHS.get(number)));
        }

        public Writer variable(int number, byte[] value) {
            Integer kind = LENGTHS.get(number);
            if (kind == null || kind >= 0) {
                throw new IllegalArgumentException(String.format("BMP %02X is not LLVAR/LLLVAR", number));
            }
            int digits = -kind;
            if (value.length >= Math.pow(10, digits)) {
                throw new IllegalArgumentException(String.format("BMP %02X: %d bytes is too long", number, value.length));
            }
            out.write(number);
            String len = String.format("%0" + digits + "d", value.length);
            for (char c : len.toCharArray()) {
                out.write(0xF0 | (c - '0'));
            }
            out.writeBytes(value);
            return this;
        }

        public Writer text(int number, String text) {
            return variable(number, text.getBytes(StandardCharsets.ISO_8859_1));
        }

        public Writer tlv(List<Tlv> elements) {
            byte[] body = Tlv.encode(elements);
            out.write(TLV);
            Tlv.writeLength(out, body.length);
            out.writeBytes(body);
            return this;
        }

        public byte[] bytes() {
            return out.toByteArray();
        }
    }

    public static Writer writer() {
        return new Writer();
    }

    /** Fields read from a message, by number. */
    public static final class Fields {
        private final Map<Integer, byte[]> values;
        private final List<Tlv> tlv;

        Fields(Map<Integer, byte[]> values, List<Tlv> tlv) {
            this.values = values;
            this.tlv = List.copyOf(tlv);
        }

        public boolean has(int number) {
            return values.containsKey(number);
        }

        public Optional<byte[]> get(int number) {
            return Optional.ofNullable(values.get(number)).map(byte[]::clone);
        }

        public OptionalLong bcd(int number) throws ZvtProtocolException {
            byte[] v = values.get(number);
            return v == null ? OptionalLong.empty() : OptionalLong.of(Bcd.decode(v));
        }

        public Optional<String> text(int number) {
            return Optional.ofNullable(values.get(number)).map(v -> new String(v, StandardCharsets.ISO_8859_1).replace("\0", "").trim());
        }

        public int byteValue(int number, int absent) {
            byte[] v = values.get(number);
            return v == null || v.length == 0 ? absent : v[0] & 0xFF;
        }

        /** The TLV container's elements (empty without BMP 06). */
        public List<Tlv> tlv() {
            return tlv;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("Fields[");
            values.forEach((k, v) -> s.append(String.format(" %02X=%s", k, k == PAN || k == TRACK2 ? "<card data>" : HexFormat.of().formatHex(v))));
            return s.append(" ]").toString();
        }
    }
}
