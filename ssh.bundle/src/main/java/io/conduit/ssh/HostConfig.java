package io.conduit.ssh;

import static io.conduit.ssh.SshText.words;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.sshd.client.config.hosts.HostConfigEntry;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionParams;

/**
 * A host's settings after OpenSSH's client configuration ({@code use_ssh_config}): {@code HostName}, {@code Port},
 * {@code User}, {@code IdentityFile} and {@code ProxyJump} of the matching {@code Host} blocks, each only where
 * the inventory does not set it.
 *
 * @param hostname the address to connect to
 * @param settings the host's settings with the file's port, user, keys and jump hosts
 */
record HostConfig(String hostname, SshSettings settings) {
    /**
     * Applies the file named by {@code s.sshConfigFile()}. A missing file is warned about once per plugin and
     * leaves the inventory's values.
     *
     * @param context the plugin's once-only warnings
     * @param name the inventory's name of the host, for messages
     * @param params the host's parameters (what the inventory sets wins)
     * @param s the host's settings from the inventory and the plugin's defaults
     * @return where to connect, and with what
     * @throws ConnectionException the file could not be read or parsed
     */
    static HostConfig read(ClientContext context, String name, ConnectionParams params, SshSettings s)
            throws ConnectionException {
        Path file = s.sshConfigFile();
        if (!Files.isRegularFile(file)) {
            context.warnSshConfig("use_ssh_config is true but " + file + " does not exist; using the inventory only");
            return new HostConfig(params.hostname(), s);
        }
        try {
            List<HostConfigEntry> entries = HostConfigEntry.readHostConfigEntries(file);
            HostConfigEntry e = new HostConfigEntry(params.hostname(), null, 0, null);
            for (HostConfigEntry m : HostConfigEntry.findMatchingEntries(params.hostname(), entries)) {
                e.collate(m);
            }
            Map<String, Object> x = params.extras();
            String host = e.getHostName() != null && !e.getHostName().isBlank() ? e.getHostName() : params.hostname();
            int port = params.port() > 0 || x.containsKey(SshSettings.PORT) || e.getPort() <= 0 ? s.port()
                    : e.getPort();
            boolean userGiven = (params.username() != null && !params.username().isBlank())
                    || x.containsKey(SshSettings.USERNAME);
            String user = userGiven || e.getUsername() == null || e.getUsername().isBlank() ? s.username()
                    : e.getUsername();
            List<Path> keys = s.privateKeyFiles();
            if (!x.containsKey(SshSettings.PRIVATE_KEY_FILE) && e.getIdentities() != null
                    && !e.getIdentities().isEmpty()) {
                keys = new ArrayList<>();
                for (String id : e.getIdentities()) {
                    keys.add(Path.of(HostConfigEntry.resolveIdentityFilePath(id, host, port, user)));
                }
            }
            List<Endpoint> jumps = s.proxyJump();
            if (!x.containsKey(SshSettings.PROXY_JUMP) && e.getProxyJump() != null && !e.getProxyJump().isBlank()) {
                jumps = Endpoint.parseChain(file + ": ProxyJump", e.getProxyJump(), 22);
            }
            return new HostConfig(host, s.withEndpoint(port, user, keys, jumps));
        } catch (IOException | RuntimeException ex) {
            throw new ConnectionException(name + ": cannot read " + file + " (use_ssh_config): "
                    + words(ex), ex); // MINA's config reader's words, without its class or object names
        }
    }
}
