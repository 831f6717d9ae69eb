package io.conduit.ssh;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;

/** Builds plugin configurations and connections for tests without a framework. */
final class TestSupport {
    private TestSupport() {
    }

    /** An {@link SshConfig} with the annotation's defaults, some replaced (keys as in the .cfg file). */
    static SshConfig config(Map<String, Object> values) {
        Map<String, Object> v = new HashMap<>(values);
        return (SshConfig) Proxy.newProxyInstance(SshConfig.class.getClassLoader(), new Class<?>[] {SshConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return SshConfig.class;
                    }
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("toString") ? "SshConfig" + v : null;
                    }
                    String key = method.getName().replace("__", "_"); // tests name the keys as the .cfg does
                    return v.containsKey(key) ? v.get(key) : method.getDefaultValue();
                });
    }

    static SshPlugin plugin(Path knownHosts, Object... keyValues) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("known_hosts_file", knownHosts.toString());
        v.put("look_for_keys", false);
        v.put("connect_timeout", "5s");
        for (int i = 0; i < keyValues.length; i += 2) {
            v.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new SshPlugin(config(v));
    }

    static ConnectionParams params(int port, String user, Secret password, Object... extras) {
        Map<String, Object> x = new LinkedHashMap<>();
        for (int i = 0; i < extras.length; i += 2) {
            x.put((String) extras[i], extras[i + 1]);
        }
        return new ConnectionParams("127.0.0.1", port, user, password, "linux", x);
    }

    static Connection open(SshPlugin plugin, ConnectionParams params) throws IOException {
        Connection c = plugin.create(new ConnectionKey("h-" + params.port(), "ssh"));
        c.open(params);
        return c;
    }

    /** Makes a key with ssh-keygen (OpenSSH format), optionally with a passphrase. */
    static Path keygen(Path dir, String name, String type, String passphrase) throws IOException, InterruptedException {
        Path file = dir.resolve(name);
        List<String> cmd = new java.util.ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-N", passphrase,
                "-C", name, "-f", file.toString()));
        if (type.equals("rsa")) {
            cmd.addAll(List.of("-b", "2048"));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ssh-keygen failed: " + new String(p.getInputStream().readAllBytes()));
        }
        return file;
    }

    static java.security.PublicKey publicKey(Path privateKeyFile) throws Exception {
        String line = java.nio.file.Files.readString(Path.of(privateKeyFile + ".pub")).trim();
        return org.apache.sshd.common.config.keys.PublicKeyEntry.parsePublicKeyEntry(line)
                .resolvePublicKey(null, Map.of(), null);
    }
}
