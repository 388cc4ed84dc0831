package forecourt.bench.chargers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * 200 simulated chargers, each with one MeterValues CALL outstanding (as OCPP requires),
 * against the exported gateway run as a process with its embedded broker:
 * (a) charger → broker → driver → durable ledger → CALLRESULT;
 * (b) the same chargers and broker, the driver pointed elsewhere and a bare echo
 * subscriber (logged in as the gateway) answering every CALL at once, storing nothing.
 * Prints sustained CALLs/s, p50/p99 latency, and the gateway's used heap after a full GC.
 */
public final class ChargerBench {
    static final String PASSWORD = "bench-charger";
    static final String GATEWAY_PASSWORD = "forecourt-demo-gateway";

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(args[0]).toAbsolutePath();
        Path work = Path.of(args[1]).toAbsolutePath();
        int chargers = Integer.getInteger("bench.chargers", 200);
        int seconds = Integer.getInteger("bench.seconds", 20);
        Files.createDirectories(work);
        Path configs = siteConfigs(repo, work.resolve("configs"), chargers);
        System.out.printf("%d chargers, %d s per contender, one CALL outstanding each%n", chargers, seconds);
        Result a = run("(a) gateway: broker → driver → durable ledger → CALLRESULT", repo, work.resolve("a"), configs, chargers, seconds, false);
        Result b = run("(b) same broker, bare echo subscriber (the ceiling)", repo, work.resolve("b"), configs, chargers, seconds, true);
        System.out.printf("%n(a)/(b) = %.1f %%%n", 100.0 * a.perSecond / b.perSecond);
        System.exit(0); // Paho and the echo executor keep non-daemon threads
    }

    record Result(double perSecond, double p50, double p99, long heapKiB) {
    }

    /** The demo site with {@code n} chargers (CH1..CHn), each password {@value #PASSWORD}. */
    static Path siteConfigs(Path repo, Path dir, int n) throws Exception {
        Files.createDirectories(dir);
        try (var files = Files.list(repo.resolve("configs"))) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().startsWith("forecourt.site.charger-")) {
                    Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        String hash = forecourt.broker.PasswordHash.hash(PASSWORD);
        for (int i = 1; i <= n; i++) {
            Files.writeString(dir.resolve("forecourt.site.charger-CH" + i + ".cfg"), "id=CH" + i + "\nname=Bench charger " + i + "\npasswordHash=" + hash + "\n");
        }
        return dir;
    }

    static Result run(String name, Path repo, Path data, Path configs, int n, int seconds, boolean echo) throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "tcp://127.0.0.1:" + port;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Dforecourt.data=" + data, "-Dorg.osgi.framework.storage=" + data.resolve("framework"), "-Dfelix.fileinstall.dir=" + configs,
                "-Dgosh.args=--noshutdown --nointeractive", "-Dforecourt.broker.port=" + port, "-Dforecourt.broker.host=127.0.0.1",
                // (b): the driver looks for a broker that is not there; the echo subscriber takes its place
                "-Dforecourt.broker.url=" + (echo ? "tcp://127.0.0.1:1" : url), "-jar", repo.resolve("runtime/target/forecourt.jar").toString()));
        Process gw = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        gw.getOutputStream().close();
        CountDownLatch up = new CountDownLatch(1);
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(gw.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (line.contains("embedded MQTT broker up")) {
                        up.countDown();
                    }
                }
            } catch (Exception ignored) {
                // process ended
            }
        });
        out.setDaemon(true);
        out.start();
        if (!up.await(60, TimeUnit.SECONDS)) {
            gw.destroyForcibly();
            throw new IllegalStateException("gateway did not start");
        }
        MqttClient echoClient = null;
        if (echo) {
            MqttClient e = new MqttClient(url, "forecourt-gateway", new MemoryPersistence());
            MqttConnectOptions o = options("forecourt-gateway", GATEWAY_PASSWORD);
            e.connect(o);
            e.subscribe("chargers/+/up", 1, (topic, m) -> {
                String frame = new String(m.getPayload(), StandardCharsets.UTF_8);
                String id = frame.substring(frame.indexOf('"') + 1, frame.indexOf('"', frame.indexOf('"') + 1));
                String charger = topic.split("/")[1];
                ECHO.execute(() -> {
                    try {
                        org.eclipse.paho.client.mqttv3.MqttMessage reply = new org.eclipse.paho.client.mqttv3.MqttMessage(
                                ("[3,\"" + id + "\",{}]").getBytes(StandardCharsets.UTF_8));
                        reply.setQos(1);
                        echoClientRef.getTopic("chargers/" + charger + "/down").publish(reply); // not waiting for the PUBACK, as the driver

                    } catch (Exception ignored) {
                        // counted as a timeout by the charger
                    }
                });
            });
            echoClientRef = e;
            echoClient = e;
        }
        Thread.sleep(3_000); // let the gateway's own client connect and subscribe
        ConcurrentHistogram latency = new ConcurrentHistogram(3);
        LongAdder done = new LongAdder();
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean stop = new AtomicBoolean(false);
        List<Thread> threads = new ArrayList<>();
        List<MqttClient> clients = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String id = "CH" + i;
            MqttClient c = new MqttClient(url, id, new MemoryPersistence());
            c.connect(options(id, PASSWORD));
            Map<String, Long> sent = new ConcurrentHashMap<>();
            Object signal = new Object();
            c.subscribe("chargers/" + id + "/down", 1, (t, m) -> {
                String frame = new String(m.getPayload(), StandardCharsets.UTF_8);
                String mid = frame.substring(frame.indexOf('"') + 1, frame.indexOf('"', frame.indexOf('"') + 1));
                Long t0 = sent.remove(mid);
                if (t0 != null) {
                    if (measuring.get()) {
                        latency.recordValue((System.nanoTime() - t0) / 1_000);
                        done.increment();
                    }
                    synchronized (signal) {
                        signal.notifyAll();
                    }
                }
            });
            clients.add(c);
            Thread t = new Thread(() -> {
                long k = 0;
                while (!stop.get()) {
                    String mid = id + "-" + k++;
                    String frame = "[2,\"" + mid + "\",\"MeterValues\",{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"" + Instant.now()
                            + "\",\"sampledValue\":[{\"value\":" + k + ",\"measurand\":\"Energy.Active.Import.Register\"}]}]}]";
                    try {
                        synchronized (signal) {
                            sent.put(mid, System.nanoTime());
                            c.publish("chargers/" + id + "/up", frame.getBytes(StandardCharsets.UTF_8), 1, false);
                            long deadline = System.currentTimeMillis() + 10_000;
                            while (sent.containsKey(mid) && System.currentTimeMillis() < deadline && !stop.get()) {
                                signal.wait(100);
                            }
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "bench-" + id);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        Thread.sleep(5_000); // warm-up
        measuring.set(true);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1_000L);
        measuring.set(false);
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long heap = heapAfterGc(gw.pid());
        stop.set(true);
        for (Thread t : threads) {
            t.join(15_000);
        }
        for (MqttClient c : clients) {
            try {
                c.disconnectForcibly(100, 100);
                c.close();
            } catch (Exception ignored) {
                // closing
            }
        }
        if (echoClient != null) {
            echoClient.disconnectForcibly(100, 100);
            echoClient.close();
        }
        gw.destroy();
        gw.waitFor(30, TimeUnit.SECONDS);
        Result r = new Result(done.sum() / elapsed, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0, heap);
        System.out.printf("%s%n    %,.0f CALLs/s   p50 %.2f ms   p99 %.2f ms   gateway heap after GC %d MiB%n", name, r.perSecond, r.p50, r.p99,
                r.heapKiB / 1024);
        return r;
    }

    private static final java.util.concurrent.ExecutorService ECHO = java.util.concurrent.Executors.newSingleThreadExecutor();
    private static volatile MqttClient echoClientRef;

    static MqttConnectOptions options(String user, String password) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        o.setCleanSession(true);
        o.setMaxInflight(1000);
        o.setConnectionTimeout(60);
        if (Boolean.parseBoolean(System.getProperty("bench.nodelay", "true"))) {
            o.setSocketFactory(new javax.net.SocketFactory() { // chargers' TCP stacks send small packets at once
                public java.net.Socket createSocket() throws java.io.IOException {
                    java.net.Socket s = new java.net.Socket();
                    s.setTcpNoDelay(true);
                    return s;
                }

                public java.net.Socket createSocket(String h, int p) throws java.io.IOException {
                    java.net.Socket s = new java.net.Socket(h, p);
                    s.setTcpNoDelay(true);
                    return s;
                }

                public java.net.Socket createSocket(String h, int p, java.net.InetAddress l, int lp) throws java.io.IOException {
                    return new java.net.Socket(h, p, l, lp);
                }

                public java.net.Socket createSocket(java.net.InetAddress h, int p) throws java.io.IOException {
                    return new java.net.Socket(h, p);
                }

                public java.net.Socket createSocket(java.net.InetAddress a, int p, java.net.InetAddress l, int lp) throws java.io.IOException {
                    return new java.net.Socket(a, p, l, lp);
                }
            });
        }
        return o;
    }

    /** Used heap after a full GC, read with jcmd (KiB). */
    static long heapAfterGc(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
        String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
