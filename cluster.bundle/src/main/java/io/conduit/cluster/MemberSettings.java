package io.conduit.cluster;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The member's validated configuration ({@link ClusterConfig}).
 *
 * @param clusterName the cluster's name
 * @param members {@code ADDRESS:PORT} of each member to contact
 * @param bindAddress the one local address bound
 * @param port the port bound, 1 to 65535
 * @param keyFile the key file, absolute
 * @param heartbeatTimeoutSeconds seconds without a heartbeat before a member is taken for lost, 5 to 3600
 * @param recordsHours hours a run's records are kept, 1 to 720
 */
public record MemberSettings(String clusterName, List<String> members, String bindAddress, int port, Path keyFile,
        int heartbeatTimeoutSeconds, int recordsHours) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:_-]{1,253}");

    /** Copies the members in. */
    public MemberSettings {
        members = List.copyOf(members);
    }

    /**
     * Validates a configuration.
     *
     * @param config the configuration (only read when {@code enabled})
     * @param home the Conduit home, which a relative {@code key_file} is resolved against; {@code null}: the working
     *        directory
     * @return the settings
     * @throws IllegalArgumentException one line: {@code io.conduit.cluster: KEY: "VALUE" is not valid; what to do}
     */
    public static MemberSettings from(ClusterConfig config, Path home) {
        String name = trim(config.cluster__name());
        if (!NAME.matcher(name).matches()) {
            throw bad("cluster_name", name, "use 1-64 letters, digits, '.', '_' or '-'");
        }
        String bind = trim(config.bind__address());
        if (!HOST.matcher(bind).matches() || !isLocalAddress(bind)) {
            throw bad("bind_address", bind, "use an IP address of this machine (one of its interfaces; not 0.0.0.0)");
        }
        int port = config.port();
        if (port < 1 || port > 65535) {
            throw bad("port", port, "use a port 1-65535");
        }
        String[] given = config.members() == null ? new String[0] : config.members();
        List<String> members = new ArrayList<>();
        for (String m : given) {
            for (String one : m.split(",")) {
                String t = one.trim();
                if (!t.isEmpty()) {
                    members.add(member(t));
                }
            }
        }
        if (members.isEmpty()) {
            throw bad("members", String.join(",", given), "list ADDRESS[:PORT] of at least one member (this one may"
                    + " be among them)");
        }
        String key = trim(config.key__file());
        if (key.isEmpty()) {
            throw bad("key_file", key, "name the file holding the cluster key");
        }
        Path keyFile = Path.of(key);
        if (!keyFile.isAbsolute()) {
            keyFile = (home == null ? Path.of("") : home).resolve(keyFile);
        }
        int heartbeat = config.heartbeat__timeout();
        if (heartbeat < 5 || heartbeat > 3600) {
            throw bad("heartbeat_timeout", heartbeat, "use seconds, 5-3600");
        }
        int hours = config.records__hours();
        if (hours < 1 || hours > 720) {
            throw bad("records_hours", hours, "use hours, 1-720");
        }
        return new MemberSettings(name, members, bind, port, keyFile.toAbsolutePath().normalize(), heartbeat, hours);
    }

    /** @return this member's name, {@code ADDRESS:PORT} */
    public String node() {
        return bindAddress + ":" + port;
    }

    private static String member(String text) {
        String host = text;
        int port = 5701;
        int colon = text.lastIndexOf(':');
        if (colon > 0 && text.indexOf(':') == colon) { // one colon: ADDRESS:PORT (an IPv6 address has several)
            host = text.substring(0, colon);
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (!HOST.matcher(host).matches() || port < 1 || port > 65535) {
            throw bad("members", text, "use ADDRESS[:PORT] with a port 1-65535, members separated by commas");
        }
        return host + ":" + port;
    }

    private static boolean isLocalAddress(String address) {
        try {
            InetAddress a = InetAddress.getByName(address);
            if (a.isAnyLocalAddress()) {
                return false;
            }
            return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    private static IllegalArgumentException bad(String key, Object value, String what) {
        return new IllegalArgumentException(ClusterMember.PID + ": " + key + ": \"" + value + "\" is not valid; "
                + what);
    }
}
