package forecourt.site;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Parses a configuration once, keeping the record or the reason it was refused. */
abstract class ConfiguredEntry implements SiteEntry {
    private static final Logger log = LoggerFactory.getLogger(ConfiguredEntry.class);
    private Object value;
    private String problem;

    protected final void parse(String what, Supplier<Object> parser) {
        try {
            value = parser.get();
            problem = null;
        } catch (RuntimeException e) {
            value = null;
            problem = what + ": " + e.getMessage();
            log.error("configuration refused: {}", problem);
        }
    }

    @Override
    public Object value() {
        return value;
    }

    @Override
    public String problem() {
        return problem;
    }
}
