package forecourt.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One exported Forecourt executable (gateway, demo or simulators) started as its own
 * process, as an operator would start it, with its output captured line by line.
 */
final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private GatewayProcess(Process process) {
        this.process = process;
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "e2e-output");
        reader.setDaemon(true);
        reader.start();
    }

    static Path runtimeDir() {
        return Paths.get(System.getProperty("forecourt.runtime", "../../runtime/target")).toAbsolutePath().normalize();
    }

    static Path repoConfigs() {
        return Paths.get(System.getProperty("forecourt.configs", "../../configs")).toAbsolutePath().normalize();
    }

    /** A copy of the demo site's configuration a test may change (one site's variant). */
    static Path copyOfRepoConfigs(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(repoConfigs())) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    static GatewayProcess start(String jar, Path data, Path configs, String... extraJavaArgs) throws IOException {
        return start(false, jar, data, configs, extraJavaArgs);
    }

    /** With the Gogo shell reading commands from {@link #shell(String)}, as a technician at the console. */
    static GatewayProcess startWithShell(String jar, Path data, Path configs, String... extraJavaArgs) throws IOException {
        return start(true, jar, data, configs, extraJavaArgs);
    }

    private static GatewayProcess start(boolean shell, String jar, Path data, Path configs, String... extraJavaArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dforecourt.data=" + data, "-Dorg.osgi.framework.storage=" + data.resolve("framework"),
                "-Dfelix.fileinstall.dir=" + configs, shell ? "-Dgosh.args=--noshutdown" : "-Dgosh.args=--noshutdown --nointeractive"));
        cmd.addAll(List.of(extraJavaArgs));
        cmd.add("-jar");
        cmd.add(runtimeDir().resolve(jar).toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        if (!shell) {
            p.getOutputStream().close(); // no terminal: stdin at EOF, as under systemd
        }
        return new GatewayProcess(p);
    }

    /** Types a Gogo command (only for a process started {@link #startWithShell with the shell}). */
    void shell(String command) throws IOException {
        process.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Waits for a line matching; fails with the whole output if it does not come. */
    String awaitLine(Predicate<String> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (System.nanoTime() < deadline) {
            List<String> snapshot = List.copyOf(lines);
            for (int i = seen; i < snapshot.size(); i++) {
                if (match.test(snapshot.get(i))) {
                    return snapshot.get(i);
                }
            }
            seen = snapshot.size();
            if (!process.isAlive() && seen == lines.size()) {
                throw new AssertionError("process exited (" + process.exitValue() + ") before the expected line:\n" + output());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("expected line did not appear within " + timeout + ":\n" + output());
    }

    String awaitLine(String contains, Duration timeout) throws InterruptedException {
        return awaitLine(l -> l.contains(contains), timeout);
    }

    /** SIGTERM, as systemd or Ctrl-C would send; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        // Process.destroy() also closes our end of the child's stdout: the lines it writes
        // while stopping would be lost. The handle sends the same SIGTERM and leaves the pipe.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not stop within " + timeout + " after SIGTERM:\n" + output());
        }
        reader.join(5_000); // the last lines may still be in the pipe
        return process.exitValue();
    }

    /** SIGKILL: power loss as far as the process can tell. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        reader.join(5_000);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    String output() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
