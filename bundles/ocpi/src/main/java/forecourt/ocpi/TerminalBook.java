package forecourt.ocpi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.site.Evse;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Terminal;

/**
 * The site's terminals as OCPI Terminal objects, which the PTP owns: what the site
 * configuration says (id, {@code reference} = {@code <site>/<terminal>}, invoice URL and
 * creator, EVSE uids) merged with what the CPO told Forecourt — its activation, its
 * assignment of locations and EVSEs (PATCH / PUT), a deactivation. Each object's
 * {@code last_updated} moves when its content does, and what was last pushed to the CPO is
 * remembered, so a configuration change is pushed again and an unchanged one is not. Kept in
 * {@code <data>/ocpi-<name>-terminals.json} (written atomically).
 */
final class TerminalBook {
    private static final Logger log = LoggerFactory.getLogger(TerminalBook.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The fields the CPO may set; the rest come from the site configuration. */
    private static final List<String> CPO_FIELDS = List.of("location_ids", "evse_uids", "customer_reference", "party_id", "country_code");

    private final SiteModel site;
    private final String invoiceBaseUrl;
    private final Path file;
    private final Clock clock;
    /** per terminal_id: {cpo: {...assigned fields}, deactivated, object: last built, pushed: last pushed object} */
    private final ObjectNode state;
    private long assignmentsDiffering;

    TerminalBook(SiteModel site, String invoiceBaseUrl, Path file, Clock clock) throws IOException {
        this.site = site;
        this.invoiceBaseUrl = invoiceBaseUrl;
        this.file = file;
        this.clock = clock;
        this.state = Files.exists(file) ? (ObjectNode) JSON.readTree(file.toFile()) : JSON.createObjectNode();
    }

    private ObjectNode entry(String terminalId) {
        return state.has(terminalId) ? (ObjectNode) state.get(terminalId) : state.putObject(terminalId);
    }

    /** The OCPI uids of the EVSEs the site configuration gives the terminal, in its order. */
    private List<String> configuredEvseUids(Terminal t) {
        List<String> uids = new ArrayList<>();
        for (var id : t.evses()) {
            site.evse(id).map(Evse::ocpiEvseUid).filter(u -> u != null && !u.isEmpty()).ifPresent(uids::add);
        }
        return uids;
    }

    /** The terminal as OCPI shows it now; {@code last_updated} only moves when the content changes. */
    synchronized ObjectNode object(Terminal t) {
        ObjectNode e = entry(t.id());
        ObjectNode o = JSON.createObjectNode().put("terminal_id", t.id()).put("reference", site.site().id().value() + "/" + t.id())
                .put("invoice_base_url", invoiceBaseUrl).put("invoice_creator", "PTP");
        ArrayNode evses = o.putArray("evse_uids");
        configuredEvseUids(t).forEach(evses::add);
        o.putArray("location_ids");
        JsonNode cpo = e.path("cpo");
        for (String f : CPO_FIELDS) {
            if (cpo.has(f)) {
                o.set(f, cpo.get(f));
            }
        }
        ObjectNode previous = (ObjectNode) e.get("object");
        ObjectNode withoutTime = previous == null ? null : previous.deepCopy();
        if (withoutTime != null) {
            withoutTime.remove("last_updated");
        }
        o.put("last_updated", o.equals(withoutTime) ? previous.get("last_updated").asText() : clock.instant().toString());
        e.set("object", o);
        return o;
    }

    synchronized List<ObjectNode> all() {
        List<ObjectNode> list = new ArrayList<>();
        site.terminals().stream().filter(t -> !deactivated(t.id())).forEach(t -> list.add(object(t)));
        return list;
    }

    synchronized Optional<ObjectNode> find(String terminalId) {
        return site.terminal(terminalId).filter(t -> !deactivated(t.id())).map(this::object);
    }

    synchronized boolean deactivated(String terminalId) {
        return state.path(terminalId).path("deactivated").asBoolean(false);
    }

    /** Terminals whose object differs from what the CPO last received (new, changed, re-activated). */
    synchronized List<ObjectNode> toPush() {
        return all().stream().filter(o -> !o.equals(state.path(o.get("terminal_id").asText()).get("pushed"))).toList();
    }

    synchronized void pushed(ObjectNode object) throws IOException {
        entry(object.get("terminal_id").asText()).set("pushed", object);
        save();
    }

    /**
     * The CPO activates a terminal it ordered (Terminal object with the {@code reference} the
     * PTP issued, or its {@code terminal_id}): found, its CPO fields taken, and it is (re)created
     * on the CPO's side at the next push.
     */
    synchronized Optional<ObjectNode> activate(JsonNode body) throws IOException {
        String ref = body.path("reference").asText("");
        String id = body.path("terminal_id").asText("");
        Optional<Terminal> t = site.terminals().stream()
                .filter(x -> x.id().equals(id) || (site.site().id().value() + "/" + x.id()).equals(ref) || x.id().equals(ref)).findFirst();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode e = entry(t.get().id());
        e.put("deactivated", false);
        e.remove("pushed"); // created again on the CPO's side
        takeCpoFields(e, body, true);
        warnIfAssignmentDiffers(t.get(), body);
        save();
        log.info("OCPI: terminal {} activated by the CPO", t.get().id());
        return Optional.of(object(t.get()));
    }

    synchronized boolean deactivate(String terminalId) throws IOException {
        if (site.terminal(terminalId).isEmpty()) {
            return false;
        }
        entry(terminalId).put("deactivated", true);
        save();
        log.warn("OCPI: terminal {} deactivated by the CPO (its sessions are no longer the CPO's to invoice)", terminalId);
        return true;
    }

    /** PUT replaces the CPO's fields, PATCH merges the ones given. */
    synchronized Optional<ObjectNode> update(String terminalId, JsonNode body, boolean replace) throws IOException {
        Optional<Terminal> t = site.terminal(terminalId).filter(x -> !deactivated(x.id()));
        if (t.isEmpty()) {
            return Optional.empty();
        }
        takeCpoFields(entry(terminalId), body, replace);
        warnIfAssignmentDiffers(t.get(), body);
        ObjectNode o = object(t.get());
        entry(terminalId).set("pushed", o); // the CPO knows it: it sent it
        save();
        return Optional.of(o);
    }

    /**
     * The CPO's EVSE assignment is shown as it sent it, but holds follow the site
     * configuration: a difference is a misconfiguration on one side, said once per change.
     */
    private void warnIfAssignmentDiffers(Terminal t, JsonNode body) {
        if (!body.has("evse_uids") || !body.get("evse_uids").isArray()) {
            return;
        }
        java.util.Set<String> cpo = new java.util.TreeSet<>();
        body.get("evse_uids").forEach(u -> cpo.add(u.asText()));
        java.util.Set<String> configured = new java.util.TreeSet<>(configuredEvseUids(t));
        if (!cpo.equals(configured)) {
            assignmentsDiffering++;
            log.warn("OCPI: the CPO assigns EVSEs {} to terminal {}, the site configuration {}; holds follow the configuration", cpo, t.id(),
                    configured);
        }
    }

    /** How many CPO assignments differed from the site configuration. */
    synchronized long assignmentsDiffering() {
        return assignmentsDiffering;
    }

    private void takeCpoFields(ObjectNode e, JsonNode body, boolean replace) {
        ObjectNode cpo = replace || !e.has("cpo") ? JSON.createObjectNode() : (ObjectNode) e.get("cpo");
        for (String f : CPO_FIELDS) {
            if (body.has(f) && !body.get(f).isNull()) {
                cpo.set(f, body.get(f));
            }
        }
        e.set("cpo", cpo);
    }

    private void save() throws IOException {
        JsonFiles.writeAtomically(file, state, false);
    }
}
