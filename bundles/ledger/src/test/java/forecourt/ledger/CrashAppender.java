package forecourt.ledger;

import java.nio.file.Paths;
import java.time.Clock;
import java.util.UUID;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;

/**
 * Child process for {@link LedgerCrashTest}: appends ~200-byte facts from several threads
 * as fast as it can and prints {@code ACK <seq> <naturalKey>} for each one the ledger has
 * acknowledged (made durable), until it is killed.
 */
public final class CrashAppender {
    private CrashAppender() {
    }

    public static void main(String[] args) throws Exception {
        LedgerStore ledger = new LedgerStore(Paths.get(args[0]), Clock.systemUTC(), 1024);
        int writers = Integer.parseInt(args[1]);
        String run = UUID.randomUUID().toString().substring(0, 8);
        System.out.println("OPEN " + ledger.head());
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                for (long i = 0;; i++) {
                    String key = "tx:W" + writer + ":" + run + ":" + i;
                    String body = "{\"writer\":" + writer + ",\"i\":" + i + ",\"pad\":\"" + "x".repeat(150) + "\"}";
                    var appended = ledger.append(Fact.of(FactType.TRANSACTION_EVENT, key, null, body)).toCompletableFuture().join();
                    synchronized (System.out) {
                        System.out.println("ACK " + appended.seq() + " " + key);
                    }
                }
            });
            t.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
