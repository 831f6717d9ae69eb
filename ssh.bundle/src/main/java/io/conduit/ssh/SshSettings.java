package io.conduit.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.OptionValues;
import io.conduit.api.connection.Secret;
import io.conduit.ssh.hostkey.HostKeyChecking;
import io.conduit.ssh.transfer.TransferMethod;

/**
 * The ssh plugin's settings, validated: the ConfigAdmin defaults ({@link #from}) and, per host, the same with the
 * inventory's extras applied on top ({@link #forHost}). The options themselves (names, types, defaults,
 * descriptions) are declared once, in {@link SshOptions}. Immutable.
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

    /** Option names the connection reads from a host's extras; every option is declared in {@link SshOptions}. */
    public static final String PORT = SshOptions.PORT.name();
    public static final String USERNAME = SshOptions.USERNAME.name();
    public static final String PRIVATE_KEY_FILE = SshOptions.PRIVATE_KEY_FILE.name();
    public static final String PROXY_JUMP = SshOptions.PROXY_JUMP.name();

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
        OptionValues v;
        try {
            v = OptionValues.ofConfiguration(SshOptions.ALL, config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
        String user = v.get(SshOptions.USERNAME);
        return new SshSettings(
                port(where + "port", v.get(SshOptions.PORT)),
                user == null || user.isBlank() ? System.getProperty("user.name") : user.trim(),
                paths(v.get(SshOptions.PRIVATE_KEY_FILE)),
                null,
                v.get(SshOptions.LOOK_FOR_KEYS),
                HostKeyChecking.parse(where + "host_key_checking", v.get(SshOptions.HOST_KEY_CHECKING)),
                path(v.get(SshOptions.KNOWN_HOSTS_FILE)),
                v.get(SshOptions.HASH_KNOWN_HOSTS),
                jumps(where + "proxy_jump", v.get(SshOptions.PROXY_JUMP)),
                positive(where + "connect_timeout", v.get(SshOptions.CONNECT_TIMEOUT)),
                positive(where + "auth_timeout", v.get(SshOptions.AUTH_TIMEOUT)),
                v.get(SshOptions.COMMAND_TIMEOUT),
                v.get(SshOptions.KEEPALIVE_INTERVAL),
                atLeast(where + "keepalive_count_max", v.get(SshOptions.KEEPALIVE_COUNT_MAX), 0),
                v.get(SshOptions.USE_SSH_CONFIG),
                path(v.get(SshOptions.SSH_CONFIG_FILE)),
                TransferMethod.parse(where + "transfer_method", v.get(SshOptions.TRANSFER_METHOD)),
                v.get(SshOptions.VERIFY_CHECKSUM),
                atLeast(where + "max_channels", v.get(SshOptions.MAX_CHANNELS), 1),
                identityAgent(where + "identity_agent", v.get(SshOptions.IDENTITY_AGENT)),
                v.get(SshOptions.FORWARD_AGENT));
    }

    /**
     * Applies a host's extras on top of these defaults. The core has typed the extras by the declared options
     * ({@link SshOptions}); an option the host does not set keeps these settings' value.
     *
     * @param params the host's resolved parameters
     * @return the host's settings
     * @throws IllegalArgumentException an extra has a wrong value; the message names it
     */
    public SshSettings forHost(ConnectionParams params) {
        Long hostPort = SshOptions.PORT.in(params);
        int effectivePort = params.port() > 0 ? params.port()
                : hostPort != null ? port("extras." + PORT, hostPort) : port;
        String user = params.username() != null && !params.username().isBlank() ? params.username()
                : SshOptions.USERNAME.in(params, username);
        Secret phrase = SshOptions.PRIVATE_KEY_PASSPHRASE.in(params);
        if (phrase == null) {
            phrase = SshOptions.PASSPHRASE.in(params);
        }
        List<String> keys = SshOptions.PRIVATE_KEY_FILE.in(params);
        String checking = SshOptions.HOST_KEY_CHECKING.in(params);
        String knownHosts = SshOptions.KNOWN_HOSTS_FILE.in(params);
        List<String> jumps = SshOptions.PROXY_JUMP.in(params);
        Long countMax = SshOptions.KEEPALIVE_COUNT_MAX.in(params);
        String configFile = SshOptions.SSH_CONFIG_FILE.in(params);
        String method = SshOptions.TRANSFER_METHOD.in(params);
        Long channels = SshOptions.MAX_CHANNELS.in(params);
        String agent = SshOptions.IDENTITY_AGENT.in(params);
        return new SshSettings(
                effectivePort,
                user,
                keys != null ? paths(keys) : privateKeyFiles,
                phrase != null ? phrase : passphrase,
                SshOptions.LOOK_FOR_KEYS.in(params, lookForKeys),
                checking != null ? HostKeyChecking.parse("extras." + SshOptions.HOST_KEY_CHECKING.name(), checking)
                        : hostKeyChecking,
                knownHosts != null ? path(knownHosts) : knownHostsFile,
                SshOptions.HASH_KNOWN_HOSTS.in(params, hashKnownHosts),
                jumps != null ? jumps("extras." + PROXY_JUMP, jumps) : proxyJump,
                positive("extras." + SshOptions.CONNECT_TIMEOUT.name(),
                        SshOptions.CONNECT_TIMEOUT.in(params, connectTimeout)),
                positive("extras." + SshOptions.AUTH_TIMEOUT.name(), SshOptions.AUTH_TIMEOUT.in(params, authTimeout)),
                SshOptions.COMMAND_TIMEOUT.in(params, commandTimeout),
                SshOptions.KEEPALIVE_INTERVAL.in(params, keepaliveInterval),
                countMax != null ? atLeast("extras." + SshOptions.KEEPALIVE_COUNT_MAX.name(), countMax, 0)
                        : keepaliveCountMax,
                SshOptions.USE_SSH_CONFIG.in(params, useSshConfig),
                configFile != null ? path(configFile) : sshConfigFile,
                method != null ? TransferMethod.parse("extras." + SshOptions.TRANSFER_METHOD.name(), method)
                        : transferMethod,
                SshOptions.VERIFY_CHECKSUM.in(params, verifyChecksum),
                channels != null ? atLeast("extras." + SshOptions.MAX_CHANNELS.name(), channels, 1) : maxChannels,
                agent != null ? identityAgent("extras." + SshOptions.IDENTITY_AGENT.name(), agent) : identityAgent,
                SshOptions.FORWARD_AGENT.in(params, forwardAgent));
    }

    /** @return a copy with another port, user, key files and jump chain (from ~/.ssh/config) */
    SshSettings withEndpoint(int newPort, String newUser, List<Path> keys, List<Endpoint> jumps) {
        return new SshSettings(newPort, newUser, keys, passphrase, lookForKeys, hostKeyChecking, knownHostsFile,
                hashKnownHosts, jumps, connectTimeout, authTimeout, commandTimeout, keepaliveInterval,
                keepaliveCountMax, useSshConfig, sshConfigFile, transferMethod, verifyChecksum, maxChannels,
                identityAgent, forwardAgent);
    }

    /**
     * The options this plugin reads, with a configuration's values as the defaults shown.
     *
     * @param config the ConfigAdmin configuration
     * @return the descriptors, in the order to show them
     * @throws IllegalArgumentException a configured value does not fit its option
     */
    public static List<OptionDescriptor> describe(SshConfig config) {
        return OptionValues.ofConfiguration(SshOptions.ALL, config).describe();
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

    static Path path(String text) {
        String t = text.trim();
        if (t.equals("~")) {
            return Path.of(System.getProperty("user.home"));
        }
        return Path.of(t.startsWith("~/") ? System.getProperty("user.home") + t.substring(1) : t);
    }

    private static List<Path> paths(List<String> texts) {
        List<Path> out = new ArrayList<>();
        if (texts != null) {
            for (String p : texts) {
                if (!p.isBlank()) {
                    out.add(path(p));
                }
            }
        }
        return out;
    }

    private static List<Endpoint> jumps(String where, List<String> hops) {
        return Endpoint.parseChain(where, hops == null ? "" : String.join(",", hops), 22);
    }

    private static int port(String where, long value) {
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException(where + ": " + value + " is not a port; use a number 1-65535");
        }
        return (int) value;
    }

    private static int atLeast(String where, long value, int min) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": " + value + " is too large");
        }
        if (value < min) {
            throw new IllegalArgumentException(where + ": " + value + " is too small; use at least " + min);
        }
        return (int) value;
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
