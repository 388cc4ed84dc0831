package forecourt.api.money;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

/**
 * An amount of money in integer minor units (cents for EUR) of one ISO 4217 currency.
 * <p>
 * Floating point never touches money: arithmetic is on {@code long}, overflow throws,
 * and mixing currencies throws. Decimal inputs (OCPI prices, tariffs) enter through
 * {@link #fromDecimal(BigDecimal, Currency, RoundingMode)} with the rounding rule named
 * by the caller, so every rounding decision is visible where it is made.
 */
public record Money(long minorUnits, Currency currency) implements Comparable<Money> {

    public Money {
        Objects.requireNonNull(currency, "currency");
        if (currency.getDefaultFractionDigits() < 0) {
            // pseudo-currencies such as XXX have no minor unit; they cannot be settled
            throw new IllegalArgumentException("currency " + currency + " has no minor unit");
        }
    }

    public static Money of(long minorUnits, String currencyCode) {
        return new Money(minorUnits, Currency.getInstance(currencyCode));
    }

    public static Money zero(Currency currency) {
        return new Money(0, currency);
    }

    /**
     * Converts a decimal major-unit amount (e.g. {@code 12.345} EUR) to minor units with
     * the given rounding. Use {@link RoundingMode#UNNECESSARY} where the input must
     * already be exact; it throws otherwise.
     */
    public static Money fromDecimal(BigDecimal majorUnits, Currency currency, RoundingMode rounding) {
        BigDecimal minor = majorUnits.movePointRight(currency.getDefaultFractionDigits()).setScale(0, rounding);
        return new Money(minor.longValueExact(), currency);
    }

    /** The amount in major units as an exact decimal, e.g. {@code 12.34}. */
    public BigDecimal toDecimal() {
        return BigDecimal.valueOf(minorUnits, currency.getDefaultFractionDigits());
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.addExact(minorUnits, other.minorUnits), currency);
    }

    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.subtractExact(minorUnits, other.minorUnits), currency);
    }

    public Money min(Money other) {
        return compareTo(other) <= 0 ? this : other;
    }

    public boolean isZero() {
        return minorUnits == 0;
    }

    public boolean isNegative() {
        return minorUnits < 0;
    }

    public boolean exceeds(Money other) {
        return compareTo(other) > 0;
    }

    @Override
    public int compareTo(Money other) {
        requireSameCurrency(other);
        return Long.compare(minorUnits, other.minorUnits);
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("currency mismatch: " + currency + " vs " + other.currency);
        }
    }

    /** {@code 12.34 EUR}: for logs and receipts, never parsed back. */
    @Override
    public String toString() {
        return toDecimal().toPlainString() + " " + currency.getCurrencyCode();
    }
}
