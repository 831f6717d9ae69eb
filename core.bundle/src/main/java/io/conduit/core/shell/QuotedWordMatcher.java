package io.conduit.core.shell;

import java.util.List;
import java.util.Map;

import org.jline.reader.CompletingParsedLine;
import org.jline.reader.LineReader;
import org.jline.reader.impl.CompletionMatcherImpl;
import org.jline.reader.impl.LineReaderImpl;

/**
 * Mends Tab completion inside a quoted word in the interactive console. Gogo's parser reports the cursor within
 * the word counting the opening quote, but the word without it; JLine 3.21's matcher then cuts the word past its
 * end and throws, which ends the console session (JLine issue 1565, fixed in later JLine versions by clamping the
 * cursor, as here). Quoted words are the form Conduit asks for ({@code run 'web[0]' 'echo $HOME'}), so Tab there
 * must work. Loaded only when the console's reader is JLine's (an optional import).
 */
final class QuotedWordMatcher extends CompletionMatcherImpl {

    /**
     * Installs the matcher on the session's line reader, when it is JLine's.
     *
     * @param reader the session's {@code .reader}, or {@code null} (no console: {@code bin/conduit -c})
     */
    static void install(Object reader) {
        if (reader instanceof LineReaderImpl impl) {
            impl.setCompletionMatcher(new QuotedWordMatcher());
        }
    }

    @Override
    protected void defaultMatchers(Map<LineReader.Option, Boolean> options, boolean prefix, CompletingParsedLine line,
            boolean caseInsensitive, int errors, String originalGroupName) {
        super.defaultMatchers(options, prefix, new Clamped(line), caseInsensitive, errors, originalGroupName);
    }

    /** The parsed line with the cursor within the word kept inside the word. */
    private record Clamped(CompletingParsedLine parsed) implements CompletingParsedLine {
        @Override
        public String word() {
            return parsed.word();
        }

        @Override
        public int wordCursor() {
            return Math.max(0, Math.min(parsed.wordCursor(), parsed.word().length()));
        }

        @Override
        public int wordIndex() {
            return parsed.wordIndex();
        }

        @Override
        public List<String> words() {
            return parsed.words();
        }

        @Override
        public String line() {
            return parsed.line();
        }

        @Override
        public int cursor() {
            return parsed.cursor();
        }

        @Override
        public CharSequence escape(CharSequence candidate, boolean complete) {
            return parsed.escape(candidate, complete);
        }

        @Override
        public int rawWordCursor() {
            return parsed.rawWordCursor();
        }

        @Override
        public int rawWordLength() {
            return parsed.rawWordLength();
        }
    }
}
