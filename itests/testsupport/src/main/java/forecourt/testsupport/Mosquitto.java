package forecourt.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A real Mosquitto (Debian package; .ci/run installs it) on a free loopback port, for the
 * life of a test.
 */
public final class Mosquitto implements AutoCloseable {
    public final int port;
    private final Process process;

    public Mosquitto(Path dir) throws IOException, InterruptedException {
        Path binary = Paths.get("/usr/sbin/mosquitto");
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("mosquitto is not installed: apt-get install -y mosquitto (.ci/run does this)");
        }
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n");
        process = new ProcessBuilder(binary.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not start on port " + port);
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
    }
}
