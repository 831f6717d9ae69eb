package io.conduit.core.inventory;

/**
 * The limits an inventory file must keep, chosen so that no malformed input takes more than about a second of CPU
 * per 1.5 MiB read, or 256 MB of heap, to refuse (measured by {@code MalformedInventoryTest}; the README's inventory section lists
 * them with their reasons). Each is far above what a real inventory needs: a 5,000-host inventory is about
 * 1 MB, nests 6 levels and expands to some 50,000 values.
 */
final class Limits {
    /**
     * Largest inventory file, in bytes (8 MiB: some 230,000 hosts of one line each, as bench/gen-big-inventory.sh
     * writes them; a 5,000-host inventory is 0.5-1 MB). Checked before the file is read, so a huge file costs
     * nothing. A file under it is read whole before its last line can be found wrong, which costs in proportion
     * (about 2 s of CPU for 200,000 hosts on a busy machine); issue 12 raised it from 1.5 MiB so that a fleet of
     * 200,000 hosts fits in one file. Bigger fleets split the file (a directory: hosts.yaml, groups.yaml,
     * defaults.yaml) or come from an inventory source.
     */
    static final long MAX_FILE_BYTES = 8L << 20;

    /**
     * Longest line of a YAML file, in characters (64 Ki). SnakeYAML copies its read buffer for every 1,024
     * characters of a token that has not ended, so a long single line costs time and memory with the square
     * of its length (a 13 MiB line took 30 s and 1.2 GB). JSON has no such limit: its reader is linear, and
     * tools write JSON on one line.
     */
    static final int MAX_YAML_LINE = 64 * 1024;

    /** Mappings and lists inside each other; an inventory needs about 6, {@code data} a few more. */
    static final int MAX_DEPTH = 64;

    /**
     * Values a document may hold once every YAML alias is expanded, beyond those written out (a {@code *ref}
     * counts the whole value it refers to, each time). Anything that walks the values (printing {@code conduit:hosts --json}, handing
     * {@code data} to a task) pays for the expanded size, so a 633-byte "billion laughs" took 5 GB and died.
     */
    static final long MAX_EXPANDED_VALUES = 1_000_000;

    /** Problems kept for the message (the first ones are shown); more are only counted. */
    static final int MAX_PROBLEMS_KEPT = 1_000;

    private Limits() {
    }

    /** @return the number with thousands separators, for messages */
    static String count(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }
}
