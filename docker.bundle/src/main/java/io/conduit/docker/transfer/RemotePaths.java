package io.conduit.docker.transfer;

import java.util.ArrayList;
import java.util.List;

import io.conduit.api.connection.ConnectionException;
import io.conduit.docker.exec.Container;

/** The rules for paths in a container: relative paths, links, and the daemon's words about paths. */
final class RemotePaths {
    private RemotePaths() {
    }

    /**
     * The daemon's message without the host's own path of the container's file system ("lstat
     * /var/lib/docker/overlay2/ID/merged/etc/x: not a directory"), which means nothing inside the container.
     */
    static String daemonWords(String message) {
        return String.valueOf(message).trim().replaceAll("/\\S*/overlay2/[0-9a-zA-Z]+/merged(?=/)", "");
    }

    /**
     * Resolves a symbolic link's target against the link's own path.
     *
     * @param path the link's absolute path
     * @param link its target, absolute or relative to the link's directory
     * @return the absolute target, with {@code .} and {@code ..} resolved
     */
    static String resolveLink(String path, String link) {
        if (link.startsWith("/")) {
            return link;
        }
        String dir = path.substring(0, path.lastIndexOf('/'));
        List<String> parts = new ArrayList<>();
        for (String part : (dir + "/" + link).split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    /**
     * The rule for a relative remote path in a container: it is read against the container's working directory
     * ({@code Config.WorkingDir}, the image's {@code WORKDIR} or {@code docker run -w}; {@code /} when empty), the
     * directory a command of this plugin starts in. So {@code put f rel.txt}, {@code fetch rel.txt} and the file
     * operations ({@code stat}, {@code list}, ..., whose scripts run in that directory) and a command such as
     * {@code cat rel.txt} all mean the same file. ssh and rest read a relative path against the login user's home,
     * which is where their commands start: the rule is the same, "where a command starts". (The docker CLI's
     * {@code docker cp c:rel.txt .} reads it against {@code /} instead; it runs no commands.)
     *
     * @param what {@code put} or {@code fetch}, for the message
     * @param remotePath the path as given: absolute, or relative to the working directory
     * @return the absolute path
     * @throws ConnectionException the path is empty; the message gives the rule
     */
    static String absolute(Container target, String what, String remotePath) throws ConnectionException {
        String container = target.name();
        if (remotePath == null || remotePath.isEmpty()) {
            throw new ConnectionException(what + " in container \"" + container + "\": the remote path is empty;"
                    + " give an absolute path, or one relative to the container's working directory (" + target.workingDir()
                    + ")");
        }
        if (remotePath.startsWith("/")) {
            return remotePath;
        }
        String rel = remotePath;
        while (rel.startsWith("./")) {
            rel = rel.substring(2);
        }
        String base = target.workingDir().endsWith("/") ? target.workingDir() : target.workingDir() + "/";
        return rel.equals(".") ? base : base + rel; // "." and "dir/" mean "into that directory" to a put
    }
}
