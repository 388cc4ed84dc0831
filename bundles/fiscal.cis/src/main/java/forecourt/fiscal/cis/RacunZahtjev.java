package forecourt.fiscal.cis;

import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The fiscalization request (RacunZahtjev, CIS schema {@code f73}) in its SOAP envelope,
 * signed as CIS requires: an enveloped XML signature over the element (reference
 * {@code #RacunZahtjev}), exclusive canonicalization, RSA-SHA1 with a SHA-1 digest, the
 * fiscal certificate in {@code KeyInfo}. SHA-1 is what the CIS scheme prescribes; creating
 * such a signature is allowed, only the JDK's <em>secure validation</em> refuses it (see the
 * CIS emulator, which validates with it switched off on purpose).
 */
public final class RacunZahtjev {
    public static final String NS = "http://www.apis-it.hr/fin/2012/types/f73";
    static final String SOAP = "http://schemas.xmlsoap.org/soap/envelope/";

    /** One VAT rate's part of the receipt: rate {@code 25.00}, base and tax amount as {@code 1.23}. */
    public record Vat(String rate, String base, String amount) {
    }

    /** What the receipt says. Dates as CIS writes them: {@code dd.MM.yyyyTHH:mm:ss}. */
    public record Racun(String oib, boolean inVatSystem, String dateTime, long number, String premises, String device, List<Vat> vat, String total,
            String paymentMethod, String operatorOib, String zki, boolean lateDelivery) {
    }

    private RacunZahtjev() {
    }

    public static String signed(Racun r, String messageId, String sentAt, PrivateKey key, X509Certificate certificate) {
        try {
            DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
            dbf.setNamespaceAware(true);
            Document doc = dbf.newDocumentBuilder().newDocument();
            Element envelope = doc.createElementNS(SOAP, "soapenv:Envelope");
            doc.appendChild(envelope);
            // declared explicitly: canonicalization works on the DOM as built, the service on the bytes it receives
            envelope.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:soapenv", SOAP);
            Element body = child(doc, envelope, SOAP, "soapenv:Body", null);
            Element req = child(doc, body, NS, "tns:RacunZahtjev", null);
            req.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:tns", NS);
            req.setAttribute("Id", "RacunZahtjev");
            req.setIdAttribute("Id", true);
            Element header = child(doc, req, NS, "tns:Zaglavlje", null);
            child(doc, header, NS, "tns:IdPoruke", messageId);
            child(doc, header, NS, "tns:DatumVrijeme", sentAt);
            Element racun = child(doc, req, NS, "tns:Racun", null);
            child(doc, racun, NS, "tns:Oib", r.oib());
            child(doc, racun, NS, "tns:USustPdv", Boolean.toString(r.inVatSystem()));
            child(doc, racun, NS, "tns:DatVrijeme", r.dateTime());
            child(doc, racun, NS, "tns:OznSlijed", "P"); // numbering per business premises
            Element br = child(doc, racun, NS, "tns:BrRac", null);
            child(doc, br, NS, "tns:BrOznRac", Long.toString(r.number()));
            child(doc, br, NS, "tns:OznPosPr", r.premises());
            child(doc, br, NS, "tns:OznNapUr", r.device());
            if (!r.vat().isEmpty()) {
                Element pdv = child(doc, racun, NS, "tns:Pdv", null);
                for (Vat v : r.vat()) {
                    Element porez = child(doc, pdv, NS, "tns:Porez", null);
                    child(doc, porez, NS, "tns:Stopa", v.rate());
                    child(doc, porez, NS, "tns:Osnovica", v.base());
                    child(doc, porez, NS, "tns:Iznos", v.amount());
                }
            }
            child(doc, racun, NS, "tns:IznosUkupno", r.total());
            child(doc, racun, NS, "tns:NacinPlac", r.paymentMethod());
            child(doc, racun, NS, "tns:OibOper", r.operatorOib());
            child(doc, racun, NS, "tns:ZastKod", r.zki());
            child(doc, racun, NS, "tns:NakDost", Boolean.toString(r.lateDelivery()));

            XMLSignatureFactory xml = XMLSignatureFactory.getInstance("DOM");
            Reference ref = xml.newReference("#RacunZahtjev", xml.newDigestMethod(DigestMethod.SHA1, null),
                    List.of(xml.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null),
                            xml.newTransform(CanonicalizationMethod.EXCLUSIVE, (TransformParameterSpec) null)),
                    null, null);
            SignedInfo signedInfo = xml.newSignedInfo(xml.newCanonicalizationMethod(CanonicalizationMethod.EXCLUSIVE, (C14NMethodParameterSpec) null),
                    xml.newSignatureMethod(SignatureMethod.RSA_SHA1, null), List.of(ref));
            KeyInfoFactory kif = xml.getKeyInfoFactory();
            var keyInfo = kif.newKeyInfo(List.of(kif.newX509Data(List.of(certificate))));
            xml.newXMLSignature(signedInfo, keyInfo).sign(new DOMSignContext(key, req));

            StringWriter out = new StringWriter();
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "no");
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the signed RacunZahtjev: " + e.getMessage(), e);
        }
    }

    private static Element child(Document doc, Element parent, String ns, String name, String text) {
        Element e = doc.createElementNS(ns, name);
        if (text != null) {
            e.setTextContent(text);
        }
        parent.appendChild(e);
        return e;
    }
}
