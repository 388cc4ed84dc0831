package forecourt.zvt.protocol;

/** Card numbers as they may be kept: masked. */
public final class Pan {
    private Pan() {
    }

    /**
     * Masks all but the first six and last four digits, whatever the terminal sent (some
     * send girocard numbers in full); shorter numbers keep only their last four.
     */
    public static String mask(String digits) {
        int n = digits.length();
        StringBuilder out = new StringBuilder(n);
        int head = n >= 16 ? 6 : 0;
        for (int i = 0; i < n; i++) {
            boolean shown = i < head || i >= n - 4;
            out.append(shown ? digits.charAt(i) : '*');
        }
        return out.toString();
    }
}
