package forecourt.ledger;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;

/**
 * Writes the journal as JSON lines, one entry per line with its hashes, for backup and
 * audit. Reads through the ledger's durable view, so it runs while the gateway works.
 */
final class JsonLinesExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLinesExport() {
    }

    /** @return entries written */
    static long export(Ledger ledger, OutputStream out) throws IOException {
        long written = 0;
        long head = ledger.head();
        try (JsonGenerator json = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            json.setRootValueSeparator(null);
            for (long seq = 1; seq <= head;) {
                List<JournalEntry> page = ledger.read(seq, 1000);
                if (page.isEmpty()) {
                    break;
                }
                for (JournalEntry e : page) {
                    json.writeStartObject();
                    json.writeNumberField("seq", e.seq());
                    json.writeStringField("recordedAt", e.recordedAt().toString());
                    json.writeStringField("type", e.fact().type().name());
                    json.writeStringField("naturalKey", e.fact().naturalKey());
                    json.writeStringField("session", e.fact().session());
                    json.writeStringField("moveTo", e.fact().moveTo() == null ? null : e.fact().moveTo().name());
                    // the body exactly as recorded: signed data must verify as received
                    json.writeStringField("body", e.bodyText());
                    json.writeStringField("previousHash", HexFormat.of().formatHex(e.previousHash()));
                    json.writeStringField("hash", e.hashHex());
                    json.writeEndObject();
                    json.writeRaw('\n');
                    written++;
                    seq = e.seq() + 1;
                }
            }
        }
        return written;
    }
}
