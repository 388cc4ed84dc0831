package forecourt.sim.cis;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.xml.crypto.AlgorithmMethod;
import javax.xml.crypto.KeySelector;
import javax.xml.crypto.KeySelectorException;
import javax.xml.crypto.KeySelectorResult;
import javax.xml.crypto.XMLCryptoContext;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.X509Data;
import javax.xml.parsers.DocumentBuilderFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import forecourt.sim.http.Exchanges;

/**
 * Croatia's fiscalization service (CIS) for RacunZahtjev: validates the request's enveloped
 * XML signature against the certificate in its KeyInfo, checks the receipt's mandatory
 * fields and returns a JIR — the same JIR for the same receipt delivered again (by its ZKI),
 * as a late delivery ({@code NakDost=true}) of a receipt whose answer was lost must get.
 * Errors come back as {@code Greske} (s004: invalid signature, s005: malformed). Scriptable
 * outage: {@link #down(boolean)} answers 503.
 */
public final class CisEmulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CisEmulator.class);
    private static final String NS = "http://www.apis-it.hr/fin/2012/types/f73";

    /** A receipt as CIS recorded it. */
    public record Received(String oib, long number, String premises, String device, String total, String zki, boolean lateDelivery, String jir) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile boolean down;

    public CisEmulator(int port) throws IOException {
        server = Exchanges.serve(port, "cis-emulator", "/FiskalizacijaService", this::handle);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/FiskalizacijaService";
    }

    public void down(boolean down) {
        this.down = down;
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw = Exchanges.body(exchange);
            if (down) {
                Exchanges.send(exchange, 503, "", Map.of());
                return;
            }
            String answer = answer(raw);
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml; charset=utf-8");
            exchange.sendResponseHeaders(answer.contains("Greska") ? 500 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (RuntimeException e) {
            log.warn("CIS emulator: {}", e.toString());
        }
    }

    private String answer(byte[] raw) {
        Document doc;
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(true);
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = dbf.newDocumentBuilder().parse(new ByteArrayInputStream(raw));
        } catch (Exception e) {
            return error("s005", "Neispravna poruka (not XML)");
        }
        NodeList requests = doc.getElementsByTagNameNS(NS, "RacunZahtjev");
        if (requests.getLength() != 1) {
            return error("s005", "Nema RacunZahtjev");
        }
        Element request = (Element) requests.item(0);
        request.setIdAttribute("Id", true);
        NodeList signatures = doc.getElementsByTagNameNS(XMLSignature.XMLNS, "Signature");
        if (signatures.getLength() != 1) {
            return error("s004", "Neispravan digitalni potpis (no signature)");
        }
        try {
            DOMValidateContext context = new DOMValidateContext(new CertificateKeySelector(), signatures.item(0));
            // CIS's scheme is RSA-SHA1 with a SHA-1 digest, which the JDK's secure validation refuses
            // (jdk.xml.dsig.secureValidationPolicy disallows both). This emulator, like the real
            // service, accepts it: secure validation is switched off here, on purpose and only here.
            context.setProperty("org.jcp.xml.dsig.secureValidation", Boolean.FALSE);
            XMLSignature signature = XMLSignatureFactory.getInstance("DOM").unmarshalXMLSignature(context);
            if (!signature.validate(context)) {
                return error("s004", "Neispravan digitalni potpis");
            }
        } catch (Exception e) {
            return error("s004", "Neispravan digitalni potpis (" + e.getMessage() + ")");
        }
        String zki = text(request, "ZastKod");
        String oib = text(request, "Oib");
        if (zki.length() != 32 || oib.length() != 11 || text(request, "BrOznRac").isEmpty()) {
            return error("s005", "Neispravni podaci racuna");
        }
        String jir = UUID.nameUUIDFromBytes((oib + zki).getBytes(StandardCharsets.UTF_8)).toString(); // one JIR per receipt
        received.add(new Received(oib, Long.parseLong(text(request, "BrOznRac")), text(request, "OznPosPr"), text(request, "OznNapUr"),
                text(request, "IznosUkupno"), zki, Boolean.parseBoolean(text(request, "NakDost")), jir));
        log.info("CIS emulator: receipt {}/{}/{} ({}) JIR {}{}", text(request, "BrOznRac"), text(request, "OznPosPr"), text(request, "OznNapUr"),
                text(request, "IznosUkupno"), jir, Boolean.parseBoolean(text(request, "NakDost")) ? " (late delivery)" : "");
        return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><tns:RacunOdgovor xmlns:tns=\"" + NS
                + "\" Id=\"RacunOdgovor\"><tns:Zaglavlje><tns:IdPoruke>" + text(request, "IdPoruke") + "</tns:IdPoruke></tns:Zaglavlje><tns:Jir>" + jir
                + "</tns:Jir></tns:RacunOdgovor></soap:Body></soap:Envelope>";
    }

    private static String text(Element root, String name) {
        NodeList n = root.getElementsByTagNameNS(NS, name);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().trim();
    }

    private static String error(String code, String message) {
        return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><tns:RacunOdgovor xmlns:tns=\"" + NS
                + "\"><tns:Greske><tns:Greska><tns:SifraGreske>" + code + "</tns:SifraGreske><tns:PorukaGreske>" + message
                + "</tns:PorukaGreske></tns:Greska></tns:Greske></tns:RacunOdgovor></soap:Body></soap:Envelope>";
    }

    /** The key is the public key of the certificate the request carries. */
    private static final class CertificateKeySelector extends KeySelector {
        @Override
        public KeySelectorResult select(KeyInfo keyInfo, Purpose purpose, AlgorithmMethod method, XMLCryptoContext context) throws KeySelectorException {
            for (Object o : keyInfo.getContent()) {
                if (o instanceof X509Data data) {
                    for (Object c : data.getContent()) {
                        if (c instanceof X509Certificate cert) {
                            Key key = cert.getPublicKey();
                            return () -> key;
                        }
                    }
                }
            }
            throw new KeySelectorException("no certificate in KeyInfo");
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
