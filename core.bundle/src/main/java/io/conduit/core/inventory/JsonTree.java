package io.conduit.core.inventory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.Tree.Entry;
import io.conduit.core.inventory.Tree.MapVal;
import io.conduit.core.inventory.Tree.Scalar;
import io.conduit.core.inventory.Tree.Seq;
import io.conduit.core.inventory.Tree.Val;

/**
 * A strict JSON (RFC 8259) reader that keeps the line of every value and reports duplicate keys with both
 * lines. Written here because neither Gson's tree nor SnakeYAML (which rejects {@code \/}) gives both.
 */
final class JsonTree {
    /** Deeper than this is not an inventory, and would only risk the stack. */
    private static final int MAX_DEPTH = Limits.MAX_DEPTH;

    private final String text;
    private final String file;
    private final Problems problems;
    private int pos;
    private int line = 1;
    private int lineStart;

    private JsonTree(String text, String file, Problems problems) {
        this.text = text;
        this.file = file;
        this.problems = problems;
    }

    /**
     * Parses one JSON document.
     *
     * @param text the content
     * @param file the file, for messages
     * @param problems where duplicate keys go
     * @return the root, or {@code null} when the file holds only white space
     * @throws InventoryException a syntax error, naming line and column
     */
    static Val parse(String text, String file, Problems problems) throws InventoryException {
        JsonTree reader = new JsonTree(text, file, problems);
        if (text.startsWith("\uFEFF")) {
            reader.pos = 1;
        }
        reader.skipSpace();
        if (reader.pos >= text.length()) {
            return null;
        }
        Val root = reader.value(0, "");
        reader.skipSpace();
        if (reader.pos < text.length()) {
            throw reader.error("unexpected " + reader.describeHere() + " after the end of the document");
        }
        return root;
    }

    private Val value(int depth, String path) throws InventoryException {
        if (depth > MAX_DEPTH) {
            throw error("objects and arrays nest deeper than " + MAX_DEPTH + " levels; an inventory needs a handful,"
                    + " flatten the data");
        }
        skipSpace();
        if (pos >= text.length()) {
            throw error("the document ends where a value was expected");
        }
        char c = text.charAt(pos);
        int startLine = line;
        return switch (c) {
            case '{' -> object(depth, path);
            case '[' -> array(depth, path);
            case '"' -> {
                String s = string();
                yield new Scalar(s, s, startLine);
            }
            case 't' -> literal("true", Boolean.TRUE, startLine);
            case 'f' -> literal("false", Boolean.FALSE, startLine);
            case 'n' -> literal("null", null, startLine);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number(startLine);
                }
                throw error("unexpected " + describeHere() + " where a value was expected");
            }
        };
    }

    private MapVal object(int depth, String path) throws InventoryException {
        int startLine = line;
        pos++; // {
        Map<String, Entry> entries = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return new MapVal(entries, startLine);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a key in double quotes but found " + describeHere()
                        + (peek() == '}' ? " (a trailing comma is not allowed)" : ""));
            }
            int keyLine = line;
            String key = string();
            skipSpace();
            if (peek() != ':') {
                throw error("expected ':' after the key " + Names.quote(key) + " but found " + describeHere());
            }
            pos++;
            String keyPath = path.isEmpty() ? key : path + "." + key;
            Val value = value(depth + 1, keyPath);
            Entry previous = entries.get(key);
            if (previous != null) {
                problems.add(file, keyLine, keyPath, "duplicate key " + Names.quote(key) + " (first at line "
                        + previous.line() + "); each key may appear once in an object, merge the two entries");
            } else {
                entries.put(key, new Entry(key, keyLine, value));
            }
            skipSpace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return new MapVal(entries, startLine);
            } else {
                throw error("expected ',' or '}' after the value of " + Names.quote(key) + " but found "
                        + describeHere());
            }
        }
    }

    private Seq array(int depth, String path) throws InventoryException {
        int startLine = line;
        pos++; // [
        List<Val> items = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return new Seq(items, startLine);
        }
        while (true) {
            skipSpace();
            if (peek() == ']') {
                throw error("unexpected ']' (a trailing comma is not allowed)");
            }
            items.add(value(depth + 1, path));
            skipSpace();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return new Seq(items, startLine);
            } else {
                throw error("expected ',' or ']' in a list but found " + describeHere());
            }
        }
    }

    private String string() throws InventoryException {
        pos++; // opening quote
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("the document ends inside a string; close it with \"");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return out.toString();
            }
            if (c < 0x20) {
                throw error(c == '\n' ? "a string runs past the end of the line; close it with \" or write \\n"
                        : "control character U+" + String.format("%04X", (int) c) + " in a string; escape it");
            }
            if (c == '\\') {
                pos++;
                char e = peek();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 5 > text.length()) {
                            throw error("incomplete \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(text.substring(pos + 1, pos + 5), 16));
                        } catch (NumberFormatException ex) {
                            throw error("invalid \\u escape \\u" + text.substring(pos + 1, pos + 5));
                        }
                        pos += 4;
                    }
                    default -> throw error("invalid escape \\" + e + " in a string");
                }
                pos++;
            } else {
                out.append(c);
                pos++;
            }
        }
    }

    private Scalar literal(String word, Object value, int startLine) throws InventoryException {
        if (!text.startsWith(word, pos)) {
            throw error("unexpected " + describeHere() + " where a value was expected (text needs double quotes)");
        }
        pos += word.length();
        return new Scalar(value, word, startLine);
    }

    private Scalar number(int startLine) throws InventoryException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("invalid number");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) {
                throw error("invalid number: digits must follow '.'");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("invalid number: digits must follow the exponent");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        String literal = text.substring(start, pos);
        if (integral) {
            BigInteger value = new BigInteger(literal);
            return new Scalar(value.bitLength() < 64 ? (Object) value.longValue() : value, literal, startLine);
        }
        return new Scalar(Double.parseDouble(literal), literal, startLine);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : 0;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n') {
                line++;
                lineStart = pos + 1;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describeHere() {
        if (pos >= text.length()) {
            return "the end of the file";
        }
        char c = text.charAt(pos);
        return Character.isLetterOrDigit(c) ? "'" + c + "'" : c == '\'' ? "\"'\" (JSON strings use double quotes)"
                : "'" + c + "'";
    }

    private InventoryException error(String what) {
        int column = pos - lineStart + 1;
        return new InventoryException(file + ":" + line + ": JSON syntax error at column " + column + ": " + what
                + "; fix the JSON on that line");
    }
}
