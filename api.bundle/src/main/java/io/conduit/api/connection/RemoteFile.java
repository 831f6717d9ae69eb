package io.conduit.api.connection;

import java.util.Objects;

/**
 * What {@link Connection#stat} and {@link Connection#list} learn about one file on a host, read the way
 * {@code ls -lL} shows it: a symbolic link is followed, and {@link #symlink()} says that it was one.
 *
 * @param path the path as asked for ({@link Connection#stat}), or relative to the listed directory with
 *        {@code /} separators, {@code ""} for the directory itself ({@link Connection#list})
 * @param type what the path is, after following a symbolic link
 * @param symlink the path itself is a symbolic link
 * @param size the size in bytes; {@code 0} for anything but a regular file
 * @param mode the permission bits, {@code 0} to {@code 07777} (set-user-ID, set-group-ID and sticky included)
 * @param uid the numeric owner
 * @param gid the numeric group
 * @param owner the owner's name, or the number when the host has no name for it
 * @param group the group's name, or the number when the host has no name for it
 * @param sha256 the content's SHA-256 in lowercase hex, or {@code null} when not asked for, not a regular
 *        file, or not readable by the user (the content is then unknown)
 * @since 1.3
 */
public record RemoteFile(String path, Type type, boolean symlink, long size, int mode, long uid, long gid,
        String owner, String group, String sha256) {

    /** What a path names on the host. */
    public enum Type {
        /** A regular file. */
        FILE,
        /** A directory. */
        DIRECTORY,
        /** A device, pipe or socket: never put over nor fetched. */
        OTHER,
        /** Nothing: only a symbolic link whose target is missing is listed with this type. */
        MISSING
    }

    /** @throws NullPointerException a path, type, owner or group is missing */
    public RemoteFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(group, "group");
    }

    /**
     * Tells whether an owner as the operator wrote it ({@code --owner}) is this file's: a name, or a number.
     *
     * @param wanted a user name or a numeric id
     * @return {@code true} when it names this file's owner
     */
    public boolean ownedBy(String wanted) {
        return wanted.equals(owner) || wanted.equals(Long.toString(uid));
    }

    /**
     * Tells whether a group as the operator wrote it ({@code --group}) is this file's: a name, or a number.
     *
     * @param wanted a group name or a numeric id
     * @return {@code true} when it names this file's group
     */
    public boolean inGroup(String wanted) {
        return wanted.equals(group) || wanted.equals(Long.toString(gid));
    }
}
