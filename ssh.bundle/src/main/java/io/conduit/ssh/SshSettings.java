package io.conduit.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.support.Secret;
import io.conduit.ssh.hostkey.HostKeyChecking;
import io.conduit.ssh.transfer.TransferMethod;

/**
 * The ssh plugin's settings, validated: the ConfigAdmin defaults ({@link #from}) and, per host, the same with the
 * inventory's extras applied on top ({@link #forHost}). Immutable.
 *
 * @param port port when the inventory gives none
 * @param username login user when the inventory gives none
 * @param privateKeyFiles key files to offer; empty means the usual ~/.ssh/id_* when {@code lookForKeys}
 * @param passphrase passphrase of the key files, or {@code null}
 * @param lookForKeys offer ~/.ssh/id_ed25519, id_ecdsa, id_rsa when no key file is set
 * @param hostKeyChecking strict, accept-new or off
 * @param knownHostsFile the known_hosts file
 * @param hashKnownHosts write new entries hashed
 * @param proxyJump jump hosts, first hop first
 * @param connectTimeout per hop: TCP, banner and key exchange
 * @param authTimeout per hop: authentication
 * @param commandTimeout default command timeout, or {@code null} for none
 * @param keepaliveInterval keepalive period, or zero for none
 * @param keepaliveCountMax unanswered keepalives before the connection is dropped
 * @param useSshConfig read ~/.ssh/config
 * @param sshConfigFile the OpenSSH client config
 * @param transferMethod auto, sftp, scp or pipe
 * @param verifyChecksum compare sha256 after transfers
 * @param maxChannels channels open at once per connection
 * @param identityAgent the ssh-agent to use, as OpenSSH's {@code IdentityAgent}: {@code SSH_AUTH_SOCK} (the
 *        environment variable, the default), {@code $NAME} (another variable), {@code none}, or a socket path; see
 *        {@link #identityAgentSocket}
 * @param forwardAgent request agent forwarding on command channels, as OpenSSH's {@code ForwardAgent}
 */
public record SshSettings(int port, String username, List<Path> privateKeyFiles, Secret passphrase,
        boolean lookForKeys, HostKeyChecking hostKeyChecking, Path knownHostsFile, boolean hashKnownHosts,
        List<Endpoint> proxyJump, Duration connectTimeout, Duration authTimeout, Duration commandTimeout,
        Duration keepaliveInterval, int keepaliveCountMax, boolean useSshConfig, Path sshConfigFile,
        TransferMethod transferMethod, boolean verifyChecksum, int maxChannels, String identityAgent,
        boolean forwardAgent) {

    /** Option names, as in {@code connection_options.ssh.extras}. */
    public static final String PORT = "port";
    public static final String USERNAME = "username";
    public static final String PRIVATE_KEY_FILE = "private_key_file";
    public static final String PRIVATE_KEY_PASSPHRASE = "private_key_passphrase";
    public static final String PASSPHRASE = "passphrase";
    public static final String LOOK_FOR_KEYS = "look_for_keys";
    public static final String HOST_KEY_CHECKING = "host_key_checking";
    public static final String KNOWN_HOSTS_FILE = "known_hosts_file";
    public static final String HASH_KNOWN_HOSTS = "hash_known_hosts";
    public static final String PROXY_JUMP = "proxy_jump";
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    public static final String AUTH_TIMEOUT = "auth_timeout";
    public static final String COMMAND_TIMEOUT = "command_timeout";
    public static final String KEEPALIVE_INTERVAL = "keepalive_interval";
    public static final String KEEPALIVE_COUNT_MAX = "keepalive_count_max";
    public static final String USE_SSH_CONFIG = "use_ssh_config";
    public static final String SSH_CONFIG_FILE = "ssh_config_file";
    public static final String TRANSFER_METHOD = "transfer_method";
    public static final String VERIFY_CHECKSUM = "verify_checksum";
    public static final String MAX_CHANNELS = "max_channels";
    public static final String IDENTITY_AGENT = "identity_agent";
    public static final String FORWARD_AGENT = "forward_agent";

    /** {@link #identityAgent()}: read the socket path from the environment variable {@code SSH_AUTH_SOCK}. */
    public static final String AGENT_FROM_ENVIRONMENT = "SSH_AUTH_SOCK";
    /** {@link #identityAgent()}: use no agent. */
    public static final String NO_AGENT = "none";
    /** Longest UNIX-domain socket path, in bytes: {@code sun_path} holds 108 with the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    /** Checks ranges and copies the lists. */
    public SshSettings {
        privateKeyFiles = List.copyOf(privateKeyFiles);
        proxyJump = List.copyOf(proxyJump);
        Objects.requireNonNull(hostKeyChecking, "hostKeyChecking");
        Objects.requireNonNull(knownHostsFile, "knownHostsFile");
        Objects.requireNonNull(transferMethod, "transferMethod");
        Objects.requireNonNull(identityAgent, "identityAgent");
        if (commandTimeout != null && (commandTimeout.isZero() || commandTimeout.isNegative())) {
            commandTimeout = null;
        }
    }

    /**
     * Validates the ConfigAdmin configuration.
     *
     * @param pid the PID, for messages
     * @param config the configuration
     * @return the defaults
     * @throws IllegalArgumentException naming the PID, key and value that is wrong
     */
    public static SshSettings from(String pid, SshConfig config) {
        String where = pid + ": ";
        return new SshSettings(
                port(where + "port", config.port()),
                config.username().isBlank() ? System.getProperty("user.name") : config.username().trim(),
                paths(config.private__key__file()),
                null,
                config.look__for__keys(),
                HostKeyChecking.parse(where + "host_key_checking", config.host__key__checking()),
                path(config.known__hosts__file()),
                config.hash__known__hosts(),
                Endpoint.parseChain(where + "proxy_jump", config.proxy__jump(), 22),
                positive(where + "connect_timeout", config.connect__timeout()),
                positive(where + "auth_timeout", config.auth__timeout()),
                duration(where + "command_timeout", config.command__timeout()),
                duration(where + "keepalive_interval", config.keepalive__interval()),
                atLeast(where + "keepalive_count_max", config.keepalive__count__max(), 0),
                config.use__ssh__config(),
                path(config.ssh__config__file()),
                TransferMethod.parse(where + "transfer_method", config.transfer__method()),
                config.verify__checksum(),
                atLeast(where + "max_channels", config.max__channels(), 1),
                identityAgent(where + "identity_agent", config.identity__agent()),
                config.forward__agent());
    }

    /**
     * Applies a host's extras on top of these defaults.
     *
     * @param params the host's resolved parameters
     * @return the host's settings
     * @throws IllegalArgumentException an extra has a wrong value; the message names it
     */
    public SshSettings forHost(ConnectionParams params) {
        Map<String, Object> x = params.extras();
        int effectivePort = params.port() > 0 ? params.port()
                : x.containsKey(PORT) ? port("extras." + PORT, params.integer(PORT, port)) : port;
        String user = params.username() != null && !params.username().isBlank() ? params.username()
                : params.string(USERNAME, username);
        Secret phrase = params.secret(PRIVATE_KEY_PASSPHRASE);
        if (phrase == null) {
            phrase = params.secret(PASSPHRASE);
        }
        return new SshSettings(
                effectivePort,
                user,
                x.containsKey(PRIVATE_KEY_FILE) ? params.list(PRIVATE_KEY_FILE).stream().map(SshSettings::path).toList()
                        : privateKeyFiles,
                phrase != null ? phrase : passphrase,
                params.bool(LOOK_FOR_KEYS, lookForKeys),
                x.containsKey(HOST_KEY_CHECKING)
                        ? HostKeyChecking.parse("extras." + HOST_KEY_CHECKING, params.string(HOST_KEY_CHECKING, ""))
                        : hostKeyChecking,
                x.containsKey(KNOWN_HOSTS_FILE) ? path(params.string(KNOWN_HOSTS_FILE, "")) : knownHostsFile,
                params.bool(HASH_KNOWN_HOSTS, hashKnownHosts),
                x.containsKey(PROXY_JUMP) ? Endpoint.parseChain("extras." + PROXY_JUMP,
                        String.join(",", params.list(PROXY_JUMP)), 22) : proxyJump,
                positive("extras." + CONNECT_TIMEOUT, params.duration(CONNECT_TIMEOUT, connectTimeout)),
                positive("extras." + AUTH_TIMEOUT, params.duration(AUTH_TIMEOUT, authTimeout)),
                params.duration(COMMAND_TIMEOUT, commandTimeout == null ? Duration.ZERO : commandTimeout),
                params.duration(KEEPALIVE_INTERVAL, keepaliveInterval),
                atLeast("extras." + KEEPALIVE_COUNT_MAX, (int) params.integer(KEEPALIVE_COUNT_MAX, keepaliveCountMax), 0),
                params.bool(USE_SSH_CONFIG, useSshConfig),
                x.containsKey(SSH_CONFIG_FILE) ? path(params.string(SSH_CONFIG_FILE, "")) : sshConfigFile,
                x.containsKey(TRANSFER_METHOD)
                        ? TransferMethod.parse("extras." + TRANSFER_METHOD, params.string(TRANSFER_METHOD, ""))
                        : transferMethod,
                params.bool(VERIFY_CHECKSUM, verifyChecksum),
                atLeast("extras." + MAX_CHANNELS, (int) params.integer(MAX_CHANNELS, maxChannels), 1),
                x.containsKey(IDENTITY_AGENT)
                        ? identityAgent("extras." + IDENTITY_AGENT, params.string(IDENTITY_AGENT, ""))
                        : identityAgent,
                params.bool(FORWARD_AGENT, forwardAgent));
    }

    /** @return a copy with another port, user, key files and jump chain (from ~/.ssh/config) */
    SshSettings withEndpoint(int newPort, String newUser, List<Path> keys, List<Endpoint> jumps) {
        return new SshSettings(newPort, newUser, keys, passphrase, lookForKeys, hostKeyChecking, knownHostsFile,
                hashKnownHosts, jumps, connectTimeout, authTimeout, commandTimeout, keepaliveInterval,
                keepaliveCountMax, useSshConfig, sshConfigFile, transferMethod, verifyChecksum, maxChannels,
                identityAgent, forwardAgent);
    }

    /**
     * The options this plugin reads, with these settings' values as defaults.
     *
     * @return the descriptors, in the order to show them
     */
    public List<OptionDescriptor> describe() {
        List<OptionDescriptor> d = new ArrayList<>();
        d.add(OptionDescriptor.of(PORT, OptionType.INTEGER, Integer.toString(port),
                "Port when the host sets none."));
        d.add(OptionDescriptor.of(USERNAME, OptionType.STRING, username,
                "User to log in as when the host sets none."));
        d.add(OptionDescriptor.of(PRIVATE_KEY_FILE, OptionType.LIST, privateKeyFiles.isEmpty() ? null
                : privateKeyFiles.toString(), "Private key file(s) to offer (OpenSSH, PEM or PKCS#8;"
                + " ed25519, ecdsa, rsa). Without one, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried."));
        d.add(OptionDescriptor.secret(PRIVATE_KEY_PASSPHRASE, "Passphrase of the private key file(s)."));
        d.add(OptionDescriptor.secret(PASSPHRASE, "Same as private_key_passphrase."));
        d.add(OptionDescriptor.of(LOOK_FOR_KEYS, OptionType.BOOLEAN, Boolean.toString(lookForKeys),
                "Offer the usual ~/.ssh/id_* keys when private_key_file is not set."));
        d.add(OptionDescriptor.of(HOST_KEY_CHECKING, OptionType.STRING, hostKeyChecking.text(),
                "strict: unknown or changed host keys fail the host; accept-new: record unknown keys in"
                        + " known_hosts, refuse changed ones; off: check nothing, a changed key is accepted too (each run"
                        + " says so on the console)."));
        d.add(OptionDescriptor.of(KNOWN_HOSTS_FILE, OptionType.PATH, knownHostsFile.toString(),
                "OpenSSH known_hosts file (plain, hashed and [host]:port entries)."));
        d.add(OptionDescriptor.of(HASH_KNOWN_HOSTS, OptionType.BOOLEAN, Boolean.toString(hashKnownHosts),
                "Write entries recorded by accept-new hashed, like OpenSSH's HashKnownHosts."));
        d.add(OptionDescriptor.of(PROXY_JUMP, OptionType.LIST, proxyJump.isEmpty() ? null : proxyJump.toString(),
                "Jump hosts user@host:port, first hop first; each hop's key is checked and each hop gets the"
                        + " connect and auth timeouts."));
        d.add(OptionDescriptor.of(CONNECT_TIMEOUT, OptionType.DURATION, text(connectTimeout),
                "Per hop: TCP connect, SSH banner and key exchange must finish within this."));
        d.add(OptionDescriptor.of(AUTH_TIMEOUT, OptionType.DURATION, text(authTimeout),
                "Per hop: authentication must finish within this."));
        d.add(OptionDescriptor.of(COMMAND_TIMEOUT, OptionType.DURATION,
                commandTimeout == null ? null : text(commandTimeout),
                "Timeout for commands that set none; the command is stopped and the host fails as timed out."));
        d.add(OptionDescriptor.of(KEEPALIVE_INTERVAL, OptionType.DURATION, text(keepaliveInterval),
                "Send keepalive@openssh.com this often on open connections; 0 disables."));
        d.add(OptionDescriptor.of(KEEPALIVE_COUNT_MAX, OptionType.INTEGER, Integer.toString(keepaliveCountMax),
                "Drop the connection after this many unanswered keepalives (0: never)."));
        d.add(OptionDescriptor.of(USE_SSH_CONFIG, OptionType.BOOLEAN, Boolean.toString(useSshConfig),
                "Read Host, HostName, User, Port, IdentityFile and ProxyJump from ssh_config_file for what the"
                        + " inventory does not set."));
        d.add(OptionDescriptor.of(SSH_CONFIG_FILE, OptionType.PATH, sshConfigFile.toString(),
                "OpenSSH client configuration read when use_ssh_config is true."));
        d.add(OptionDescriptor.of(TRANSFER_METHOD, OptionType.STRING, transferMethod.text(),
                "auto (SFTP; SCP when the server has no SFTP subsystem, pipe when the login shell prints"
                        + " text on start; a fallback is verified by sha256 and named in the run), sftp, scp, or pipe"
                        + " (the bytes through cat on an exec channel: any name, immune to login-shell output)."));
        d.add(OptionDescriptor.of(VERIFY_CHECKSUM, OptionType.BOOLEAN, Boolean.toString(verifyChecksum),
                "After put and fetch, compare the sha256 of both ends (runs sha256sum on the host)."));
        d.add(OptionDescriptor.of(MAX_CHANNELS, OptionType.INTEGER, Integer.toString(maxChannels),
                "Commands and transfers open at once on one connection (OpenSSH's MaxSessions is 10)."));
        d.add(OptionDescriptor.of(IDENTITY_AGENT, OptionType.STRING, identityAgent,
                "ssh-agent whose keys are offered after private_key_file and before ~/.ssh/id_*, like OpenSSH's"
                        + " IdentityAgent: SSH_AUTH_SOCK (the environment variable), $NAME (another variable),"
                        + " a socket path, or none."));
        d.add(OptionDescriptor.of(FORWARD_AGENT, OptionType.BOOLEAN, Boolean.toString(forwardAgent),
                "Forward the identity_agent to commands on the host (OpenSSH's ForwardAgent); root and the login"
                        + " user on the host can then use your keys while the connection is open."));
        return List.copyOf(d);
    }

    /**
     * The socket of the ssh-agent to use, resolved as OpenSSH resolves {@code IdentityAgent}.
     *
     * @param environment the environment to read variables from (Conduit's: {@code System::getenv}); returns
     *        {@code null} for an unset variable
     * @return the socket path, or {@code null} for no agent: {@code none}, or the variable is unset or empty
     */
    public Path identityAgentSocket(Function<String, String> environment) {
        if (identityAgent.equals(NO_AGENT)) {
            return null;
        }
        String name = identityAgent.equals(AGENT_FROM_ENVIRONMENT) ? AGENT_FROM_ENVIRONMENT
                : identityAgent.startsWith("$") ? identityAgent.substring(1) : null;
        if (name == null) {
            return Path.of(identityAgent);
        }
        String value = environment.apply(name);
        return value == null || value.isBlank() ? null : path(value);
    }

    /**
     * Checks an {@code identity_agent} value.
     *
     * @param where the PID or {@code extras.}, and the key, for messages
     * @param text the value; empty means {@code SSH_AUTH_SOCK}
     * @return {@code SSH_AUTH_SOCK}, {@code none}, {@code $NAME} or an absolute path with ~ expanded
     * @throws IllegalArgumentException a boolean, a bad variable name, a relative or too long path
     */
    static String identityAgent(String where, String text) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty() || t.equals(AGENT_FROM_ENVIRONMENT) || t.equals("$" + AGENT_FROM_ENVIRONMENT)
                || t.equals("${" + AGENT_FROM_ENVIRONMENT + "}")) {
            return AGENT_FROM_ENVIRONMENT;
        }
        if (t.equalsIgnoreCase(NO_AGENT)) {
            return NO_AGENT;
        }
        String use = "; use SSH_AUTH_SOCK (the default), $NAME of an environment variable, the absolute path of"
                + " the agent's socket, or none";
        switch (t.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "false", "yes", "no", "on", "off" -> throw new IllegalArgumentException(where + ": \"" + t
                    + "\" is not an agent socket" + use + " (forward_agent is the yes/no option)");
            default -> {
            }
        }
        if (t.startsWith("$")) {
            String name = t.startsWith("${") && t.endsWith("}") ? t.substring(2, t.length() - 1) : t.substring(1);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException(where + ": \"" + t + "\" is not an environment variable" + use);
            }
            return "$" + name;
        }
        Path p;
        try {
            p = path(t);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(where + ": \"" + t + "\" is not a path (" + e.getReason() + ")" + use);
        }
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException(where + ": \"" + t + "\" is a relative path" + use);
        }
        if (p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException(where + ": \"" + t + "\" is longer than the " + MAX_SOCKET_PATH
                    + " bytes a UNIX socket path may have" + use);
        }
        return p.toString();
    }

    private static String text(Duration d) {
        return SshText.human(d);
    }

    static Path path(String text) {
        String t = text.trim();
        if (t.equals("~")) {
            return Path.of(System.getProperty("user.home"));
        }
        return Path.of(t.startsWith("~/") ? System.getProperty("user.home") + t.substring(1) : t);
    }

    private static List<Path> paths(String text) {
        List<Path> out = new ArrayList<>();
        for (String p : text.split(",")) {
            if (!p.isBlank()) {
                out.add(path(p));
            }
        }
        return out;
    }

    private static int port(String where, long value) {
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException(where + ": " + value + " is not a port; use a number 1-65535");
        }
        return (int) value;
    }

    private static int atLeast(String where, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(where + ": " + value + " is too small; use at least " + min);
        }
        return value;
    }

    private static Duration duration(String where, String text) {
        return OptionType.DURATION.convert(where, text);
    }

    private static Duration positive(String where, String text) {
        return positive(where, duration(where, text));
    }

    private static Duration positive(String where, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(where + ": " + d + " must be more than zero");
        }
        return d;
    }

    @Override
    public String toString() {
        return "SshSettings[port=" + port + ", username=" + username + ", keys=" + privateKeyFiles
                + ", hostKeyChecking=" + hostKeyChecking.text() + ", knownHosts=" + knownHostsFile
                + ", proxyJump=" + proxyJump + ", connectTimeout=" + connectTimeout + "]";
    }
}
