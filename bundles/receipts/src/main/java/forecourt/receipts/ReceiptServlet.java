package forecourt.receipts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.api.ledger.Ledger;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code GET /receipts/<authorization reference>}: the driver's receipt, the URL the
 * terminal shows as a QR code (HTML; {@code ?format=json} for machines). Read-only.
 */
@Component(service = Servlet.class, immediate = true)
@HttpWhiteboardServletPattern("/receipts/*")
public class ReceiptServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(ReceiptServlet.class);

    private final transient Ledger ledger;

    @Activate
    public ReceiptServlet(@Reference Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        String reference = path.startsWith("/") ? path.substring(1) : path;
        Optional<JsonNode> receipt = ReceiptPage.receipt(ledger, reference);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        if (receipt.isEmpty()) {
            log.debug("receipt requested for unknown or unfinished session '{}'", reference);
            response.sendError(HttpServletResponse.SC_NOT_FOUND, "no receipt for this reference (yet)");
            return;
        }
        if ("json".equals(request.getParameter("format"))) {
            response.setContentType("application/json");
            response.getWriter().write(receipt.get().toString());
        } else {
            response.setContentType("text/html");
            response.getWriter().write(ReceiptPage.html(receipt.get()));
        }
    }
}
