package io.conduit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MemberSettingsTest {
    private static ClusterConfig config(String name, String[] members, String bind, int port, String key, int hb,
            int hours) {
        return Configs.of(true, name, members, bind, port, key, hb, hours);
    }

    private static String refused(ClusterConfig c) {
        return assertThrows(IllegalArgumentException.class, () -> MemberSettings.from(c, Path.of("/opt/conduit")))
                .getMessage();
    }

    @Test
    void aGoodConfigurationResolvesTheKeyFileAgainstTheHome() {
        MemberSettings s = MemberSettings.from(config("prod", new String[] {"127.0.0.1:5801, 127.0.0.2", "10.0.0.3:5702"},
                "127.0.0.1", 5801, "etc/cluster.key", 15, 24), Path.of("/opt/conduit"));
        assertEquals(List.of("127.0.0.1:5801", "127.0.0.2:5701", "10.0.0.3:5702"), s.members());
        assertEquals(Path.of("/opt/conduit/etc/cluster.key"), s.keyFile());
        assertEquals("127.0.0.1:5801", s.node());
        assertEquals(Path.of("/keys/c.key"), MemberSettings.from(config("prod", new String[] {"127.0.0.1"},
                "127.0.0.1", 5801, "/keys/c.key", 15, 24), null).keyFile());
    }

    @Test
    void eachBadValueIsNamedWithWhatToDo() {
        String[] m = {"127.0.0.1"};
        assertEquals("io.conduit.cluster: bind_address: \"0.0.0.0\" is not valid; use an IP address of this machine (one"
                + " of its interfaces; not 0.0.0.0)", refused(config("c", m, "0.0.0.0", 5801, "k", 15, 24)));
        assertEquals("io.conduit.cluster: bind_address: \"192.0.2.77\" is not valid; use an IP address of this machine"
                + " (one of its interfaces; not 0.0.0.0)", refused(config("c", m, "192.0.2.77", 5801, "k", 15, 24)));
        assertEquals("io.conduit.cluster: port: \"0\" is not valid; use a port 1-65535",
                refused(config("c", m, "127.0.0.1", 0, "k", 15, 24)));
        assertEquals("io.conduit.cluster: members: \"web:eighty\" is not valid; use ADDRESS[:PORT] with a port 1-65535,"
                + " members separated by commas", refused(config("c", new String[] {"web:eighty"}, "127.0.0.1", 5801,
                        "k", 15, 24)));
        assertEquals("io.conduit.cluster: members: \"\" is not valid; list ADDRESS[:PORT] of at least one member (this"
                + " one may be among them)", refused(config("c", new String[] {""}, "127.0.0.1", 5801, "k", 15, 24)));
        assertEquals("io.conduit.cluster: cluster_name: \"a b\" is not valid; use 1-64 letters, digits, '.', '_' or '-'",
                refused(config("a b", m, "127.0.0.1", 5801, "k", 15, 24)));
        assertEquals("io.conduit.cluster: heartbeat_timeout: \"4\" is not valid; use seconds, 5-3600",
                refused(config("c", m, "127.0.0.1", 5801, "k", 4, 24)));
        assertEquals("io.conduit.cluster: records_hours: \"0\" is not valid; use hours, 1-720",
                refused(config("c", m, "127.0.0.1", 5801, "k", 15, 0)));
        assertEquals("io.conduit.cluster: key_file: \"\" is not valid; name the file holding the cluster key",
                refused(config("c", m, "127.0.0.1", 5801, " ", 15, 24)));
    }
}
