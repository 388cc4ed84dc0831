package forecourt.fiscal.cis;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The CIS fiscalization service over HTTP (SOAP): sends a signed RacunZahtjev, reads the JIR or the errors. */
final class CisClient {
    /** CIS answered with errors (Greske): the request was read and refused. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final URI url;
    private final Duration timeout;
    private final HttpClient http;

    CisClient(String url, Duration timeout) {
        this.url = URI.create(url);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** @return the JIR */
    String send(String soap) throws IOException, Refused {
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "text/xml; charset=utf-8")
                    .header("SOAPAction", "http://e-porezna.porezna-uprava.hr/fiskalizacija/2012/services/FiskalizacijaService/racuni")
                    .POST(HttpRequest.BodyPublishers.ofString(soap, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (r.statusCode() >= 500 && !r.body().contains("Greska")) {
            throw new IOException("CIS answered HTTP " + r.statusCode());
        }
        Document doc;
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(true);
            dbf.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = dbf.newDocumentBuilder().parse(new ByteArrayInputStream(r.body().getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IOException("CIS answered something that is not XML (HTTP " + r.statusCode() + ")");
        }
        NodeList jir = doc.getElementsByTagNameNS(RacunZahtjev.NS, "Jir");
        if (jir.getLength() == 1 && !jir.item(0).getTextContent().isBlank()) {
            return jir.item(0).getTextContent().trim();
        }
        NodeList codes = doc.getElementsByTagNameNS(RacunZahtjev.NS, "SifraGreske");
        NodeList texts = doc.getElementsByTagNameNS(RacunZahtjev.NS, "PorukaGreske");
        StringBuilder why = new StringBuilder();
        for (int i = 0; i < codes.getLength(); i++) {
            why.append(codes.item(i).getTextContent()).append(' ').append(i < texts.getLength() ? texts.item(i).getTextContent() : "").append("; ");
        }
        throw new Refused(why.length() == 0 ? "CIS answered without a JIR (HTTP " + r.statusCode() + ")" : why.toString());
    }
}
