package forecourt.acquirer.adyen;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Adyen's webhook endpoint for one instance, {@code /adyen/<instance>/notifications}
 * where the site can be reached (a relay posts the same body where it cannot). 200
 * {@code [accepted]} only when every item was genuine and recorded; otherwise 401/400, and
 * Adyen sends the batch again.
 */
final class AdyenNotificationServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient AdyenNotifications notifications;

    AdyenNotificationServlet(AdyenNotifications notifications) {
        this.notifications = notifications;
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(AdyenNotifications.MAX_BODY_BYTES + 1);
        }
        String result = notifications.receive(body);
        response.setContentType("text/plain");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        if (AdyenNotifications.ACCEPTED.equals(result)) {
            response.setStatus(200);
            response.getWriter().write(AdyenNotifications.ACCEPTED);
        } else {
            response.setStatus(result.equals("bad signature") || result.equals("other merchant account") ? 401 : 400);
            response.getWriter().write(result);
        }
    }
}
