package forecourt.api.ledger;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.osgi.annotation.versioning.ProviderType;

import forecourt.api.id.IdempotencyKey;

/**
 * The only state of the gateway: an append-only, hash-chained journal of facts, with the
 * payment sessions and the outbox derived from it.
 * <p>
 * Every append completes only once the fact is on disk (synced), so a caller may
 * acknowledge upstream — an MQTT PUBACK, a CALLRESULT — or act on it the moment its stage
 * completes, and nothing acknowledged is ever lost. Reads see only durable facts.
 * Appends fail with {@link FactConflictException} (same natural key, other content),
 * {@link IllegalTransitionException} (a move the state machine forbids), or
 * {@link LedgerException} (anything else); nothing is applied then.
 */
@ProviderType
public interface Ledger {
    /** How long a caller waits for the ledger to answer before giving up. */
    long ANSWER_TIMEOUT_SECONDS = 30;

    /**
     * Waits for a ledger stage (an append, an enqueue, an outcome) and returns its result;
     * a refusal is rethrown as the ledger's own {@link LedgerException} (so
     * {@link FactConflictException} and {@link IllegalTransitionException} stay what they
     * are), anything else — failure, interruption, no answer within
     * {@value #ANSWER_TIMEOUT_SECONDS} s — as a LedgerException saying which.
     */
    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LedgerException refused) {
                throw refused;
            }
            throw new LedgerException("ledger failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException("interrupted while waiting for the ledger");
        } catch (TimeoutException e) {
            throw new LedgerException("the ledger did not answer within " + ANSWER_TIMEOUT_SECONDS + " s");
        }
    }

    /** Appends a fact; a duplicate (same natural key, same content) answers the original. */
    CompletionStage<Appended> append(Fact fact);

    /** Records an instruction in the outbox (PENDING, due now). Dedup by its key. */
    CompletionStage<Appended> enqueue(Instruction instruction);

    /**
     * Records that attempt {@code attempt} of the instruction is about to be sent. Refused
     * unless the instruction is PENDING and {@code attempt} is the next number: a previous
     * attempt that may have landed (IN_FLIGHT, UNKNOWN) must be resolved first.
     */
    CompletionStage<Appended> recordAttempt(IdempotencyKey key, int attempt);

    /** Records what attempt {@code attempt} ended with (or what a resolve found out). */
    CompletionStage<Appended> recordOutcome(IdempotencyKey key, int attempt, InstructionOutcome outcome);

    /** Puts an open instruction in REVIEW (too many attempts, past its deadline). */
    CompletionStage<Appended> review(IdempotencyKey key, String reason);

    /** An operator sends an instruction in REVIEW again; who and why are recorded. */
    CompletionStage<Appended> retry(IdempotencyKey key, String who, String why);

    /** An operator cancels an open instruction that is not awaiting resolve; who and why are recorded. */
    CompletionStage<Appended> cancel(IdempotencyKey key, String who, String why);

    Optional<PaymentSession> session(String authorizationReference);

    /** Sessions in a state, or every session with {@code null}. */
    List<PaymentSession> sessions(PaymentSessionState state);

    /** Facts naming this reference for which no hold was ever recorded: shown, never billed. */
    List<PaymentSession> sessionsWithoutHold();

    /**
     * The last verified signed reading of a meter: the latest {@code SIGNED_READING} fact whose
     * body says {@code "verified": true} with this {@code "meterSerial"}. Per meter, pagination
     * and register must never go backwards; this is what a new reading is checked against.
     */
    Optional<JournalEntry> lastVerifiedReading(String meterSerial);

    /** A session's facts in journal order. */
    List<JournalEntry> timeline(String authorizationReference);

    /** Open instructions (PENDING, IN_FLIGHT, UNKNOWN, REVIEW) in journal order. */
    List<OutboxEntry> outbox();

    Optional<OutboxEntry> instruction(IdempotencyKey key);

    /** The instruction as enqueued (what to send). */
    Optional<Instruction> instructionBody(IdempotencyKey key);

    Optional<JournalEntry> entry(long seq);

    /** The durable fact recorded under this natural key (hot or archived), if any. */
    Optional<JournalEntry> byNaturalKey(String naturalKey);

    /** Up to {@code max} entries from {@code fromSeq} on, in order. */
    List<JournalEntry> read(long fromSeq, int max);

    /** Sequence number of the last durable fact, 0 when empty. */
    long head();

    /** Recomputes the whole hash chain. */
    ChainVerification verify();
}
