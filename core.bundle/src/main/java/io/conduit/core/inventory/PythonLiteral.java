package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small, strict reader of Python literals, for the values of Ansible's INI inventories, which Ansible reads with
 * Python's {@code ast.literal_eval} and keeps as written when that fails. Read here:
 * <ul>
 * <li>strings in {@code '...'} or {@code "..."} with Python's escapes ({@code \n}, {@code \t}, {@code \\},
 * {@code \'}, {@code \xHH}, <code>&#92;uHHHH</code>, {@code \UHHHHHHHH}, octal {@code \OOO}, ...; an unknown escape keeps its
 * backslash, as Python does), adjacent strings joined ({@code 'a' 'b'} is {@code ab});</li>
 * <li>integers ({@code 22}, {@code -1}, {@code 0x1F}, {@code 0o17}, {@code 0b101}, {@code 1_000}) as {@link Long},
 * decimals ({@code 1.5}, {@code 1e3}, {@code .5}) as {@link Double}; {@code True}/{@code False} as
 * {@link Boolean}; {@code None} as {@code null};</li>
 * <li>lists {@code [..]} and tuples {@code (..)} as {@link List}, dicts <code>{..}</code> with string keys as
 * {@link Map} (insertion order; a later duplicate key wins, as in Python), nested up to {@link Limits#MAX_DEPTH}
 * levels, a trailing comma allowed.</li>
 * </ul>
 * Anything else (sets, bytes and raw or triple-quoted strings, complex numbers, integers beyond a long, dict keys
 * that are not strings, expressions) is not read: {@link #read} says so and the caller keeps the text, as Ansible
 * would keep the text for what {@code literal_eval} refuses (for the few kinds read by Python but not here, the
 * text is a simplification). Stateless.
 */
final class PythonLiteral {
    private static final Pattern DECIMAL = Pattern.compile("(?:0(?:_?0)*|[1-9](?:_?[0-9])*)");
    private static final Pattern BASED = Pattern.compile("0([xXoObB])((?:_?[0-9a-fA-F])+)");
    private static final Pattern FLOAT = Pattern.compile(
            "(?:(?:[0-9](?:_?[0-9])*)?\\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?");
    /** The characters a number token may hold (its validity is checked by the patterns above). */
    private static final Pattern NUMBER_TOKEN = Pattern.compile(
            "(?:[0-9][0-9a-zA-Z_]*(?:\\.[0-9a-zA-Z_]*)?|\\.[0-9][0-9a-zA-Z_]*)(?:(?<=[0-9_.][eE])[+-][0-9_]+)?");

    /** What was read: {@code ok} false when the text is no literal read here. */
    record Result(boolean ok, Object value) {
    }

    private static final Result NOT_READ = new Result(false, null);

    /** Thrown inside the reader when the text is no literal; never leaves this class. */
    private static final class NotALiteral extends Exception {
        private static final long serialVersionUID = 1L;

        NotALiteral() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private int pos;

    private PythonLiteral(String text) {
        this.text = text;
    }

    /**
     * Reads a whole text as one Python literal.
     *
     * @param text the text, not {@code null}; blanks around the literal are allowed
     * @return the value ({@link String}, {@link Long}, {@link Double}, {@link Boolean}, {@code null}, or a
     *         {@link List} or {@link Map} of such) with {@code ok} true; {@code ok} false when the text is not a
     *         literal read here
     */
    static Result read(String text) {
        PythonLiteral r = new PythonLiteral(text);
        try {
            r.blanks();
            Object value = r.value(0);
            r.blanks();
            return r.pos == text.length() ? new Result(true, value) : NOT_READ;
        } catch (NotALiteral e) {
            return NOT_READ;
        }
    }

    private Object value(int depth) throws NotALiteral {
        if (depth > Limits.MAX_DEPTH || pos >= text.length()) {
            throw new NotALiteral();
        }
        char c = text.charAt(pos);
        switch (c) {
            case '\'', '"' -> {
                StringBuilder s = new StringBuilder();
                do {
                    string(s);
                    blanks();
                } while (pos < text.length() && (text.charAt(pos) == '\'' || text.charAt(pos) == '"'));
                return s.toString();
            }
            case '[' -> {
                return sequence(']', depth);
            }
            case '(' -> {
                return sequence(')', depth);
            }
            case '{' -> {
                return dict(depth);
            }
            case '-', '+' -> {
                pos++;
                blanks();
                Object n = number();
                if (c == '+') {
                    return n;
                }
                return n instanceof Long l ? (Object) (-l) : (Object) (-(Double) n);
            }
            default -> {
                if (Character.isDigit(c) || c == '.') {
                    return number();
                }
                String word = word();
                return switch (word) {
                    case "True" -> Boolean.TRUE;
                    case "False" -> Boolean.FALSE;
                    case "None" -> null;
                    default -> throw new NotALiteral();
                };
            }
        }
    }

    private Object sequence(char close, int depth) throws NotALiteral {
        pos++; // the opening bracket
        List<Object> items = new ArrayList<>();
        blanks();
        boolean single = true; // (x) is x in Python, (x,) a tuple
        while (true) {
            if (pos < text.length() && text.charAt(pos) == close) {
                pos++;
                break;
            }
            items.add(value(depth + 1));
            blanks();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                single = false;
                blanks();
            } else if (pos < text.length() && text.charAt(pos) == close) {
                pos++;
                break;
            } else {
                throw new NotALiteral();
            }
        }
        if (close == ')' && single && items.size() == 1) {
            return items.get(0); // a parenthesised value, not a tuple
        }
        return items;
    }

    private Map<String, Object> dict(int depth) throws NotALiteral {
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        blanks();
        while (true) {
            if (pos < text.length() && text.charAt(pos) == '}') {
                pos++;
                return map;
            }
            if (!(value(depth + 1) instanceof String key)) {
                throw new NotALiteral(); // keys other than strings have no place in an inventory's data
            }
            blanks();
            if (pos >= text.length() || text.charAt(pos) != ':') {
                throw new NotALiteral(); // a set, or no literal
            }
            pos++;
            blanks();
            map.put(key, value(depth + 1));
            blanks();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                blanks();
            } else if (pos < text.length() && text.charAt(pos) == '}') {
                pos++;
                return map;
            } else {
                throw new NotALiteral();
            }
        }
    }

    private void string(StringBuilder s) throws NotALiteral {
        char quote = text.charAt(pos++);
        if (text.startsWith(String.valueOf(quote).repeat(2), pos)) {
            throw new NotALiteral(); // a triple-quoted string: not read here
        }
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == quote) {
                return;
            }
            if (c == '\n' || c == '\r') {
                throw new NotALiteral();
            }
            if (c != '\\') {
                s.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw new NotALiteral();
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '\n' -> {
                } // a line continuation
                case '\\', '\'', '"' -> s.append(e);
                case 'n' -> s.append('\n');
                case 't' -> s.append('\t');
                case 'r' -> s.append('\r');
                case 'a' -> s.append('\u0007');
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'v' -> s.append('\u000B');
                case 'x' -> s.appendCodePoint(hex(2));
                case 'u' -> s.appendCodePoint(hex(4));
                case 'U' -> {
                    int cp = hex(8);
                    if (cp > Character.MAX_CODE_POINT) {
                        throw new NotALiteral();
                    }
                    s.appendCodePoint(cp);
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int i = 0; i < 2 && pos < text.length() && text.charAt(pos) >= '0'
                                && text.charAt(pos) <= '7'; i++) {
                            v = v * 8 + text.charAt(pos++) - '0';
                        }
                        s.appendCodePoint(v);
                    } else {
                        s.append('\\').append(e); // Python keeps an unknown escape as written
                    }
                }
            }
        }
        throw new NotALiteral(); // not closed
    }

    private int hex(int digits) throws NotALiteral {
        if (pos + digits > text.length()) {
            throw new NotALiteral();
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(text.charAt(pos++), 16);
            if (d < 0) {
                throw new NotALiteral();
            }
            v = v * 16 + d;
        }
        return v;
    }

    private Object number() throws NotALiteral {
        Matcher m = NUMBER_TOKEN.matcher(text).region(pos, text.length());
        if (!m.lookingAt()) {
            throw new NotALiteral();
        }
        String token = m.group();
        pos = m.end();
        try {
            if (DECIMAL.matcher(token).matches()) {
                return Long.parseLong(token.replace("_", ""));
            }
            Matcher based = BASED.matcher(token);
            if (based.matches()) {
                int radix = switch (Character.toLowerCase(based.group(1).charAt(0))) {
                    case 'x' -> 16;
                    case 'o' -> 8;
                    default -> 2;
                };
                return Long.parseLong(based.group(2).replace("_", ""), radix);
            }
            if (FLOAT.matcher(token).matches() && (token.indexOf('.') >= 0 || token.indexOf('e') >= 0
                    || token.indexOf('E') >= 0)) {
                return Double.parseDouble(token.replace("_", ""));
            }
        } catch (NumberFormatException e) {
            throw new NotALiteral(); // beyond a long, or digits the radix lacks
        }
        throw new NotALiteral();
    }

    private String word() {
        int start = pos;
        while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos)) || pos < text.length()
                && text.charAt(pos) == '_') {
            pos++;
        }
        return text.substring(start, pos);
    }

    private void blanks() {
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
    }
}
