package io.conduit.core.inventory;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rule for secret references, shared by the loader (which refuses malformed ones with file and line) and
 * the resolver (which reads them): a value that starts with <code>${</code> is a reference, and must be the
 * whole value <code>${env:NAME}</code> (NAME letters, digits and {@code _}, not starting with a digit) or
 * <code>${file:PATH}</code>. Anything else starting with <code>${</code> is refused rather than sent as it is:
 * <code>${env:}</code> once went out as the password. A password that really starts with <code>${</code> is
 * written in a file and referred to with <code>${file:PATH}</code>.
 */
final class SecretReference {
    /** A well-formed reference: group 1 the kind, group 2 the name or path. */
    static final Pattern WELL_FORMED = Pattern.compile("\\$\\{(env|file):([^}]+)}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SHAPE = Pattern.compile("\\$\\{([A-Za-z]*):([^}]*)}");

    private SecretReference() {
    }

    /**
     * Checks a value.
     *
     * @param value the value as written
     * @return {@code null} when the value is no reference or a well-formed one; else what is wrong and what to
     *         do, never quoting the value (it may be a password that happens to start with <code>${</code>)
     */
    static String problem(String value) {
        if (value == null || !value.startsWith("${")) {
            return null;
        }
        Matcher m = SHAPE.matcher(value);
        if (!m.matches()) {
            return "starts with ${ but is not a whole ${env:NAME} or ${file:PATH} reference; write one of those"
                    + " as the whole value (a secret that starts with ${ goes in a file, read with ${file:PATH})";
        }
        String kind = m.group(1);
        String name = m.group(2).trim();
        if (kind.equals("env")) {
            if (name.isEmpty()) {
                return "${env:} names no environment variable; write ${env:NAME}";
            }
            if (!ENV_NAME.matcher(name).matches()) {
                return "${env:...} names no valid environment variable (letters, digits and _, not starting with a"
                        + " digit); write ${env:NAME}";
            }
            return null;
        }
        if (kind.equals("file")) {
            return name.isEmpty() ? "${file:} names no file; write ${file:PATH}" : null;
        }
        return "${" + (kind.length() > 20 ? kind.substring(0, 20) + "..." : kind) + ":...} is not a kind of secret"
                + " reference Conduit reads; write ${env:NAME} or ${file:PATH}";
    }
}
