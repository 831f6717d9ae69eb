package io.conduit.ssh;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Temporary files a put may have left on a host because the connection died under it (the host's sftp-server or
 * scp was killed with the session, so nothing there removed the file), by {@code user@host:port}: removed over a
 * fresh connection at once when the host is still reachable, else at this plugin's next connection to it. Kept in
 * memory only: a Conduit that exits before reaching the host again leaves them, as the failure's message says.
 * Thread safe.
 */
final class Leftovers {
    private final ConcurrentHashMap<String, Set<String>> byHost = new ConcurrentHashMap<>();

    /**
     * @param where {@code user@host:port}
     * @param path the temporary file's path as the host reads it
     */
    void add(String where, String path) {
        byHost.computeIfAbsent(where, k -> ConcurrentHashMap.newKeySet()).add(path);
    }

    /** @return the paths waiting for {@code where}, possibly empty */
    List<String> of(String where) {
        Set<String> s = byHost.get(where);
        return s == null ? List.of() : List.copyOf(s);
    }

    /** Forgets {@code paths} of {@code where}: they were removed. */
    void removed(String where, List<String> paths) {
        byHost.computeIfPresent(where, (k, s) -> {
            paths.forEach(s::remove);
            return s.isEmpty() ? null : s;
        });
    }

    /** @return whether {@code path} still waits for removal on {@code where} */
    boolean pending(String where, String path) {
        Set<String> s = byHost.get(where);
        return s != null && s.contains(path);
    }
}
