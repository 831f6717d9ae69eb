package io.conduit.core.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.felix.gogo.runtime.Parser;
import org.apache.felix.gogo.runtime.Token;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.osgi.service.component.annotations.Component;

/**
 * Keeps the Gogo shell from changing what an operator typed for a host. Gogo expands {@code $NAME} and
 * {@code $(…)} in unquoted and double-quoted words, matches unquoted {@code * ? [} against local file names and
 * reads {@code ~ { } \ &} as its own syntax, all before a command sees its arguments: {@code "rm -rf $DIR/cache"}
 * would reach every host as {@code rm -rf /cache}. A command cannot tell from its arguments that this happened,
 * so this listener reads the raw line with Gogo's own parser before Gogo evaluates it, and when a word of a
 * Conduit command would be changed, leaves a refusal in the session that every Conduit command reads first
 * ({@link #refusal}). Gogo ignores what a listener throws, hence the session variable: the refusal holds for the
 * whole line, also for a Conduit command inside {@code $(…)}, so nothing of the line reaches a host.
 *
 * <p>Safe words: single-quoted ({@code 'echo $HOME'}, taken literally by Gogo), double-quoted without {@code $}
 * or {@code \}, and bare words of letters, digits and {@code _ . , / : @ + -} ({@code =} after the first character).
 */
@Component(service = {CommandSessionListener.class, LineGuard.class})
public final class LineGuard implements CommandSessionListener {
    /** Session variable holding the refusal of the line being executed, if any. */
    static final String REFUSAL = ".conduit.refusal";
    /**
     * Session variable keeping the refusal of the last line after it ended: Gogo itself may fail such a line
     * first (an unquoted glob that matches no local file), and {@code bin/conduit -c} then shows this instead.
     */
    public static final String LAST_REFUSAL = ".conduit.refusal.last";
    /**
     * Session variable holding the whole line when its caller executes it one statement at a time
     * ({@code bin/conduit -c}, to print each statement's value and take the worst exit status): each statement is
     * checked as part of the whole line, so that a refused word anywhere stops every Conduit command of the line.
     */
    public static final String WHOLE_LINE = ".conduit.line";
    /**
     * Conduit's commands, as named bare (the shell's SCOPE finds conduit first) or as {@code conduit:NAME}: every
     * function of {@link ConduitCommands} that takes the words of a line, read from the class itself, so that a new
     * command is guarded the day it is added (a list kept by hand here once missed {@code task} and
     * {@code runbook}, whose words Gogo changed unseen).
     */
    static final Set<String> COMMANDS = commandsOf(ConduitCommands.class);

    /**
     * @return the names of the public methods taking a session and the line's words, and for {@code _main} the
     *         commands Gogo reaches through it ({@link ConduitCommands#VIA_MAIN})
     */
    static Set<String> commandsOf(Class<?> commands) {
        Set<String> names = new java.util.TreeSet<>();
        for (java.lang.reflect.Method m : commands.getMethods()) {
            Class<?>[] p = m.getParameterTypes();
            if (p.length == 2 && p[0] == CommandSession.class && p[1] == String[].class) {
                if (m.getName().equals("_main")) {
                    names.addAll(ConduitCommands.VIA_MAIN); // the names no Java method can have
                } else {
                    names.add(m.getName());
                }
            }
        }
        return Set.copyOf(names);
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence line) {
        Optional<String> refusal;
        try {
            refusal = check(session.get(WHOLE_LINE) instanceof CharSequence whole ? whole : line);
        } catch (RuntimeException e) {
            refusal = Optional.empty(); // Gogo's own parse error follows, with its own message
        }
        session.put(REFUSAL, refusal.map(Refusal::new).orElse(null)); // also clears an earlier line's
        session.put(LAST_REFUSAL, refusal.orElse(null));
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence line, Exception exception) {
        session.put(REFUSAL, null);
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence line, Object result) {
        session.put(REFUSAL, null);
    }

    /** A line's refusal, said once however many of its commands read it. */
    static final class Refusal {
        private final String message;
        private boolean said;

        Refusal(String message) {
            this.message = message;
        }

        /** @return the message the first time, then empty */
        synchronized Optional<String> say() {
            if (said) {
                return Optional.empty();
            }
            said = true;
            return Optional.of(message);
        }
    }

    /**
     * @param session the session a command runs in (may be null outside Gogo)
     * @return the refusal of the line being executed, or null when it is safe
     */
    static Refusal refusal(CommandSession session) {
        Object r = session == null ? null : session.get(REFUSAL);
        return r instanceof Refusal refusal ? refusal : null;
    }

    /**
     * Reads a shell line as Gogo will and finds the first word of a Conduit command that Gogo would change.
     *
     * @param line the raw line
     * @return what would be changed and how to write it instead, or empty when nothing would be
     * @throws RuntimeException Gogo's parser refused the line (Gogo reports it when it runs the line)
     */
    static Optional<String> check(CharSequence line) {
        List<String> problems = new ArrayList<>();
        walk(new Parser(line).program(), problems);
        return problems.stream().findFirst();
    }

    private static void walk(Parser.Program program, List<String> problems) {
        for (Parser.Executable e : program.tokens()) {
            walk(e, problems);
        }
    }

    private static void walk(Token t, List<String> problems) {
        if (t instanceof Parser.Pipeline p) {
            p.tokens().forEach(e -> walk(e, problems));
        } else if (t instanceof Parser.Sequence s) {
            walk(s.program(), problems);
        } else if (t instanceof Parser.Statement s) {
            statement(s, problems);
        }
    }

    private static void statement(Parser.Statement s, List<String> problems) {
        List<String> words = new ArrayList<>();
        List<Boolean> split = new ArrayList<>();
        words(s.tokens(), words, split);
        if (words.isEmpty()) {
            return;
        }
        String name = words.get(0);
        String bare = name.startsWith("conduit:") ? name.substring("conduit:".length()) : name;
        boolean conduit = COMMANDS.contains(bare);
        for (int i = conduit ? 1 : 0; i < words.size(); i++) {
            String word = words.get(i);
            nested(word, problems); // a Conduit command inside $(…), ( … ) or { … } of any command
            if (conduit) {
                String problem = problem(word);
                if (problem == null && split.get(i)) {
                    problem = "Gogo splits it into separate words";
                }
                if (problem != null) {
                    problems.add(bare + ": the shell would change " + word + " before Conduit sees it (" + problem
                            + "); " + fix(word) + "; nothing ran");
                }
            }
        }
    }

    /**
     * The words as typed: Gogo's tokens, with tokens that touch joined again ({@code web[0]} is the token
     * {@code web} and the list {@code [0]} to Gogo, {@code =x} the tokens {@code =} and {@code x}: Gogo would hand
     * the command two arguments).
     *
     * @param tokens Gogo's tokens of a statement
     * @param words receives the words
     * @param split receives, per word, whether Gogo splits it
     */
    private static void words(List<Token> tokens, List<String> words, List<Boolean> split) {
        int end = -1;
        for (Token t : tokens) {
            if (t.start() == end && !words.isEmpty()) {
                words.set(words.size() - 1, words.get(words.size() - 1) + t);
                split.set(split.size() - 1, true);
            } else {
                words.add(t.toString());
                split.add(false);
            }
            end = t.start() + t.length();
        }
    }

    /** Checks the lines inside {@code $(…)}, {@code (…)} and {@code {…}} of a word, which Gogo runs too. */
    private static void nested(String word, List<String> problems) {
        boolean single = false;
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (c == '\'') {
                single = !single;
            } else if (!single && (c == '(' || c == '{')) {
                int end = closing(word, i);
                if (end > i) {
                    try {
                        check(word.substring(i + 1, end)).ifPresent(problems::add);
                    } catch (RuntimeException e) {
                        // not a line of its own: Gogo will say so
                    }
                    i = end;
                }
            }
        }
    }

    private static int closing(String word, int open) {
        char o = word.charAt(open);
        char c = o == '(' ? ')' : '}';
        int depth = 0;
        boolean single = false;
        for (int i = open; i < word.length(); i++) {
            char ch = word.charAt(i);
            if (ch == '\'') {
                single = !single;
            } else if (!single && ch == o) {
                depth++;
            } else if (!single && ch == c && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** @return why Gogo would change this raw word, or null when it reaches the command as written */
    static String problem(String word) {
        int n = word.length();
        if (n >= 2 && word.charAt(0) == '\'' && word.charAt(n - 1) == '\'' && word.indexOf('\'', 1) == n - 1) {
            return null; // single-quoted: literal
        }
        if (n >= 2 && word.charAt(0) == '"' && word.charAt(n - 1) == '"' && word.indexOf('"', 1) == n - 1) {
            String inner = word.substring(1, n - 1);
            if (inner.indexOf('$') >= 0) {
                return "Gogo expands $NAME and $(…) inside double quotes";
            }
            if (inner.indexOf('\\') >= 0) {
                return "Gogo reads \\ inside double quotes as an escape";
            }
            return null;
        }
        for (int i = 0; i < n; i++) {
            char c = word.charAt(i);
            if (Character.isLetterOrDigit(c) || "_.,/:@+-".indexOf(c) >= 0 || (c == '=' && i > 0)) {
                continue; // Gogo reads % as arithmetic and a leading = as an assignment
            }
            return switch (c) {
                case '$' -> "Gogo expands $NAME and $(…) in it";
                case '*', '?' -> "Gogo matches " + c + " against the names of local files";
                case '[', ']' -> "Gogo reads [ ] as a list";
                case '~' -> "Gogo replaces ~ with a local home directory";
                case '\\' -> "Gogo reads \\ as an escape";
                case '\'', '"' -> "only part of it is quoted";
                default -> "Gogo reads " + c + " as its own syntax";
            };
        }
        return null;
    }

    /** The same word in single quotes when Gogo can carry it so, or where else to turn. */
    private static String fix(String word) {
        String content = word;
        if (word.length() >= 2 && word.startsWith("\"") && word.endsWith("\"")) {
            content = word.substring(1, word.length() - 1);
        }
        if (content.indexOf('\'') >= 0 || content.indexOf('"') >= 0) {
            return "Gogo cannot carry this word unchanged; run the command from your system shell with"
                    + " bin/conduit run PATTERN -- COMMAND, or put it in a script and give it on stdin:"
                    + " run --stdin FILE PATTERN sh";
        }
        return "write it in single quotes, which Gogo leaves alone: '" + content + "'";
    }
}
