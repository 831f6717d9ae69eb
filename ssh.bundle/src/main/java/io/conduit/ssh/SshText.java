package io.conduit.ssh;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the ssh plugin words what libraries say and how long things take, for the operator's messages. */
final class SshText {
    private SshText() {
    }

    /** A library's reason in words: its message without Java class names, or "no reason given". */
    static String words(Throwable t) {
        String m = t == null ? null : t.getMessage();
        if (m == null || m.isBlank()) {
            return "no reason given";
        }
        m = withoutObjects(m.replaceAll("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)\\b:?\\s*", "")
                .replaceAll("\\s*\\(\\w*(?:Exception|Error)\\)", "") // "Failed (IOException) to execute"
                .replaceAll("\\s*-\\s*at line .*$", "")); // MINA quotes the server's bytes after "at line"
        int odd = 0;
        while (odd < m.length() && m.charAt(odd) >= ' ' && m.charAt(odd) < 0x7f) {
            odd++;
        }
        return (odd < m.length() ? m.substring(0, odd) + "..." : m).strip();
    }

    /**
     * Cuts what MINA prints of its objects ({@code ChannelAsyncOutputStream[SftpChannelSubsystem[id=1,
     * recipient=0]-ClientSessionImpl[user@/127.0.0.1:22][sftp]] cmd=SSH_MSG_CHANNEL_DATA}): a capitalized name
     * followed by bracketed parts (nested), the parts joined to it by {@code -}, and a {@code cmd=} after them.
     */
    static String withoutObjects(String m) {
        StringBuilder out = new StringBuilder();
        Matcher name = OBJECT.matcher(m);
        int at = 0;
        while (name.find(at)) {
            int i = m.charAt(name.start()) == '[' ? name.start() : name.end() - 1; // at the first '['
            while (i < m.length() && m.charAt(i) == '[') {
                for (int depth = 0; i < m.length(); ) { // to the matching ']'
                    char c = m.charAt(i++);
                    depth += c == '[' ? 1 : c == ']' ? -1 : 0;
                    if (depth == 0) {
                        break;
                    }
                }
                Matcher joined = JOINED.matcher(m).region(i, m.length());
                if (joined.lookingAt()) { // -ClientSessionImpl[ ... or ] cmd=SSH_MSG_CHANNEL_DATA]
                    i = joined.end();
                }
            }
            out.append(m, at, name.start());
            at = i;
        }
        out.append(m.substring(Math.min(at, m.length())));
        return out.toString().replaceAll("\\[\\s*\\]|\\(\\s*\\)", "").replaceAll("^[\\s:\\]-]+", "")
                .replaceAll("\\s*:\\s*(?=[;)]|$)", "")
                .replaceAll(" {2,}", " ").strip();
    }

    /** A capitalized name opening a bracket: how MINA's objects print. */
    private static final Pattern OBJECT = Pattern.compile("\\[?\\b[A-Z]\\w*\\[");
    /** What joins the parts of one printed object: {@code -Name[}, {@code [}, or a closing {@code  cmd=X]}. */
    private static final Pattern JOINED = Pattern.compile(
            "-[A-Z]\\w*(?=\\[)|(?=\\[)|\\]*\\s*cmd=\\w+\\]*|\\]+");

}
