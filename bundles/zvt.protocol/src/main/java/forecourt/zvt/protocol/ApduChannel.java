package forecourt.zvt.protocol;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** APDUs over one TCP connection (ZVT over TCP/IP has no further framing). */
public final class ApduChannel implements Closeable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public ApduChannel(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public void write(Apdu apdu) throws IOException {
        out.write(apdu.encode());
        out.flush();
    }

    /**
     * The next APDU, waiting at most {@code timeout}.
     *
     * @throws SocketTimeoutException when nothing (complete) arrived in time
     * @throws EOFException           when the other side closed the connection
     */
    public Apdu read(Duration timeout) throws IOException, ZvtProtocolException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        byte[] head = readFully(3);
        int length = head[2] & 0xFF;
        byte[] ext = new byte[0];
        if (length == 0xFF) {
            ext = readFully(2);
            length = (ext[0] & 0xFF) | (ext[1] & 0xFF) << 8;
        }
        byte[] data = readFully(length);
        byte[] all = new byte[3 + ext.length + data.length];
        System.arraycopy(head, 0, all, 0, 3);
        System.arraycopy(ext, 0, all, 3, ext.length);
        System.arraycopy(data, 0, all, 3 + ext.length, data.length);
        return Apdu.decode(all);
    }

    private byte[] readFully(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("connection closed by the other side");
        }
        return b;
    }

    public boolean isOpen() {
        return !socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }

    @Override
    public String toString() {
        return String.valueOf(socket.getRemoteSocketAddress());
    }
}
