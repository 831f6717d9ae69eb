package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.List;

/**
 * A host as an Ansible inventory file writes it, INI or YAML: a name with an optional {@code :PORT} and with
 * ranges that stand for many hosts. The rules are those of Ansible's inventory documentation ("Adding ranges of
 * hosts", "Inventory basics"):
 * <ul>
 * <li>{@code [BEGIN:END]} is a numeric range ({@code web[1:20]}); written with a leading zero its numbers keep
 * that width ({@code web[01:20]} is {@code web01}...{@code web20}; END must then be as wide); {@code [a:f]} is
 * a range of single letters; an optional third part is a stride ({@code [1:10:2]} is 1, 3, 5, 7, 9); an empty
 * BEGIN is 0. A name may hold several ranges ({@code rack[1:2]-node[a:b]}), expanded left to right.</li>
 * <li>{@code NAME:PORT} gives the host's {@code ansible_port} (1-65535). An address with two or more colons is
 * an IPv6 address and is kept whole, without a port; {@code [ADDRESS]:PORT} gives an IPv6 address a port.</li>
 * </ul>
 * Ranges are expanded up to {@link #MAX_HOSTS} hosts per inventory file, so that a typo such as
 * {@code [1:99999999]} cannot fill the memory. One instance serves one file. Not thread safe.
 */
final class AnsibleHostPattern {
    /**
     * Hosts ranges may stand for in one inventory file (250,000: more than the 8 MiB a file may hold written out
     * one host a line, see {@link Limits#MAX_FILE_BYTES}).
     */
    static final int MAX_HOSTS = 250_000;

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /**
     * A host pattern read.
     *
     * @param hosts the host names, ranges expanded, in order
     * @param port the port written after the name, or {@code null}
     */
    record Expanded(List<String> hosts, Long port) {
    }

    /** Thrown with what is wrong and what to do, for the caller to report with its file and line. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private long expanded;

    /**
     * Reads one host as written.
     *
     * @param written the host pattern, not empty
     * @return the hosts it stands for and its port
     * @throws Malformed a bad range or port, or more than {@link #MAX_HOSTS} hosts from ranges in this file
     */
    Expanded read(String written) throws Malformed {
        if (written.isBlank()) {
            throw new Malformed("the host name is empty; write a name or address");
        }
        if (written.startsWith("[")) {
            int close = written.indexOf(']');
            if (close > 0) {
                String inner = written.substring(1, close);
                String rest = written.substring(close + 1);
                if (isIpv6(inner) && (rest.isEmpty() || rest.startsWith(":"))) {
                    return new Expanded(List.of(inner), rest.isEmpty() ? null : port(rest.substring(1), written));
                }
            }
        }
        int colons = 0;
        int last = -1;
        int depth = 0;
        for (int i = 0; i < written.length(); i++) {
            char c = written.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth = Math.max(0, depth - 1);
            } else if (c == ':' && depth == 0) {
                colons++;
                last = i;
            }
        }
        if (colons > 1) {
            return new Expanded(List.of(written), null); // an IPv6 address: no port without brackets
        }
        String pattern = colons == 1 ? written.substring(0, last) : written;
        Long port = colons == 1 ? port(written.substring(last + 1), written) : null;
        if (pattern.isEmpty()) {
            throw new Malformed("no host name before the ':'; write NAME:PORT");
        }
        if (pattern.indexOf('[') < 0) {
            return new Expanded(List.of(pattern), port);
        }
        List<String> hosts = new ArrayList<>();
        expand(pattern, hosts);
        return new Expanded(hosts, port);
    }

    private static boolean isIpv6(String inner) {
        return inner.contains("::") || inner.chars().filter(c -> c == ':').count() > 2;
    }

    private static Long port(String text, String written) throws Malformed {
        if (text.isEmpty()) {
            throw new Malformed("the host ends in ':' without a port; write NAME:PORT (e.g. db1:2222) or remove"
                    + " the ':'");
        }
        if (!text.chars().allMatch(c -> c >= '0' && c <= '9') || text.length() > 5
                || Long.parseLong(text) < 1 || Long.parseLong(text) > 65_535) {
            throw new Malformed("the port " + Names.quote(text) + " after ':' is not a number from 1 to 65535;"
                    + " write NAME:PORT, or give an IPv6 address with brackets: [ADDRESS]:PORT");
        }
        return Long.parseLong(text);
    }

    /**
     * Expands every range of {@code pattern}, left to right, after counting the hosts they stand for: a pattern
     * over the limit costs nothing to refuse.
     */
    private void expand(String pattern, List<String> out) throws Malformed {
        List<String> heads = new ArrayList<>(); // the text before each range
        List<List<String>> ranges = new ArrayList<>();
        int at = 0;
        long count = 1;
        for (int open = pattern.indexOf('['); open >= 0; open = pattern.indexOf('[', at)) {
            int close = pattern.indexOf(']', open);
            if (close < 0) {
                throw new Malformed("the range opened by '[' has no ']'; write a range as [BEGIN:END], e.g."
                        + " web[01:20].example.com");
            }
            heads.add(pattern.substring(at, open));
            List<String> items = items(pattern.substring(open + 1, close));
            ranges.add(items);
            count = Math.min(count * items.size(), MAX_HOSTS + 1L);
            at = close + 1;
        }
        String tail = pattern.substring(at);
        expanded += count;
        if (expanded > MAX_HOSTS) {
            throw new Malformed("ranges in this file stand for more than " + Limits.count(MAX_HOSTS)
                    + " hosts; check the range bounds, or split the inventory");
        }
        int[] index = new int[ranges.size()];
        StringBuilder name = new StringBuilder();
        for (long n = 0; n < count; n++) {
            name.setLength(0);
            for (int r = 0; r < index.length; r++) {
                name.append(heads.get(r)).append(ranges.get(r).get(index[r]));
            }
            out.add(name.append(tail).toString());
            for (int r = index.length - 1; r >= 0 && ++index[r] == ranges.get(r).size(); r--) {
                index[r] = 0; // the last range turns fastest, as when expanding left to right
            }
        }
    }

    /** The items one {@code BEGIN:END[:STRIDE]} range stands for. */
    private static List<String> items(String range) throws Malformed {
        String[] bounds = range.split(":", -1);
        if (bounds.length < 2 || bounds.length > 3) {
            throw new Malformed("[" + range + "] is not a range; write [BEGIN:END] or [BEGIN:END:STRIDE], e.g."
                    + " [01:20] or [a:f]");
        }
        String begin = bounds[0].isEmpty() ? "0" : bounds[0];
        String end = bounds[1];
        if (end.isEmpty()) {
            throw new Malformed("the range [" + range + "] has no end; write [BEGIN:END]");
        }
        long stride = 1;
        if (bounds.length == 3) {
            stride = number(bounds[2], range, "stride");
            if (stride < 1) {
                throw new Malformed("the stride of [" + range + "] must be 1 or more");
            }
        }
        List<String> items = new ArrayList<>();
        if (begin.length() == 1 && end.length() == 1 && LETTERS.indexOf(begin.charAt(0)) >= 0
                && LETTERS.indexOf(end.charAt(0)) >= 0) {
            int from = LETTERS.indexOf(begin.charAt(0));
            int to = LETTERS.indexOf(end.charAt(0));
            if (from > to) {
                throw new Malformed("the range [" + range + "] begins after its end; write [BEGIN:END] with"
                        + " BEGIN first (a-z come before A-Z)");
            }
            for (int i = from; i <= to; i += (int) Math.min(stride, LETTERS.length())) {
                items.add(String.valueOf(LETTERS.charAt(i)));
            }
            return items;
        }
        if (LETTERS.indexOf(begin.charAt(0)) >= 0 != (LETTERS.indexOf(end.charAt(0)) >= 0)) {
            throw new Malformed("the range [" + range + "] mixes a letter and a number; write letters (a:f) or"
                    + " numbers (01:20)");
        }
        long from = number(begin, range, "begin");
        long to = number(end, range, "end");
        int width = begin.length() > 1 && begin.charAt(0) == '0' ? begin.length() : 0;
        if (width > 0 && end.length() != width) {
            throw new Malformed("the range [" + range + "] pads its begin to " + width + " digits but not its end;"
                    + " write both as wide, e.g. [01:20]");
        }
        if (from > to) {
            throw new Malformed("the range [" + range + "] begins after its end; write [BEGIN:END] with BEGIN"
                    + " first");
        }
        if ((to - from) / stride >= MAX_HOSTS) {
            throw new Malformed("the range [" + range + "] stands for more than " + Limits.count(MAX_HOSTS)
                    + " hosts; check its bounds");
        }
        for (long i = from; i <= to; i += stride) {
            String digits = Long.toString(i);
            items.add(digits.length() < width ? "0".repeat(width - digits.length()) + digits : digits);
        }
        return items;
    }

    private static long number(String text, String range, String what) throws Malformed {
        if (text.isEmpty() || text.length() > 12 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Malformed("the " + what + " " + Names.quote(text) + " of the range [" + range + "] is not a"
                    + " number or a single letter; write [BEGIN:END] with numbers (01:20) or letters (a:f)");
        }
        return Long.parseLong(text);
    }
}
