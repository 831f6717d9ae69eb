package io.conduit.api.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.connection.Secret;

/** One declaration per option: typed values, layers, choices, and the documentation checked against it. */
class PluginOptionTest {

    private static final PluginOption<Duration> TIMEOUT = PluginOption.duration("timeout", "10s",
            "How long to wait.");
    private static final PluginOption<Long> RETRIES = PluginOption.integer("retries", 2, "Retries.");
    private static final PluginOption<String> MODE = PluginOption.choice("mode", "fast", "Fast or safe.",
            "fast", "safe");
    private static final PluginOption<Secret> TOKEN = PluginOption.secret("token", "The token.");
    private static final List<PluginOption<?>> ALL = List.of(TIMEOUT, RETRIES, MODE, TOKEN);

    /**
     * Like ansible#76591, where a timeout set in the configuration file was overridden by a command line default
     * nobody had set: a layer that does not set an option never hides a lower layer that does.
     */
    @Test
    void aConfiguredValueStaysInForceWhenAHostSetsNoneAndAHostValueWinsOverIt() {
        OptionValues configured = OptionValues.of(ALL, Map.of("timeout", "30s"));
        assertEquals(Duration.ofSeconds(30), configured.get(TIMEOUT), "the configuration over the declared default");
        assertEquals(2L, configured.get(RETRIES), "the declared default where nothing is set");
        assertFalse(configured.isSet(RETRIES));

        OptionValues host = configured.over(Map.of("retries", 5L));
        assertEquals(Duration.ofSeconds(30), host.get(TIMEOUT), "the host left timeout alone: the .cfg value stays");
        assertEquals(5L, host.get(RETRIES));
        assertEquals(Duration.ofMillis(500), configured.over(Map.of("timeout", Duration.ofMillis(500))).get(TIMEOUT));
        assertEquals(Duration.ofSeconds(30), configured.over(Map.of("timeout", " ")).get(TIMEOUT),
                "an empty value is unset, as an empty key = line in a .cfg file");
    }

    @Test
    void valuesTheCoreTypedAreReadAsTheyAreAndOthersAreConvertedOnce() {
        ConnectionParams typed = new ConnectionParams("h", 0, null, null, null, Map.of("timeout",
                Duration.ofSeconds(3), "mode", "safe", "token", Secret.of("t")));
        assertEquals(Duration.ofSeconds(3), TIMEOUT.in(typed));
        assertEquals("safe", MODE.in(typed));
        assertEquals("t", TOKEN.in(typed).reveal());
        assertNull(RETRIES.in(typed));
        assertEquals(7L, RETRIES.in(typed, 7L));

        ConnectionParams raw = new ConnectionParams("h", 0, null, null, null, Map.of("timeout", "2m", "mode",
                "SAFE", "retries", "4"));
        assertEquals(Duration.ofMinutes(2), TIMEOUT.in(raw));
        assertEquals("safe", MODE.in(raw), "a choice comes back spelled as declared");
        assertEquals(4L, RETRIES.in(raw));
    }

    @Test
    void aChoiceOutsideTheDeclaredOnesIsRefusedWithTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OptionValues.of(ALL, Map.of("mode", "slow")));
        assertEquals("mode: \"slow\" is not a choice; use fast or safe", e.getMessage());
        OptionDescriptor d = MODE.descriptor();
        assertEquals(OptionType.CHOICE, d.type());
        assertEquals(List.of("fast", "safe"), d.choices());
        assertEquals("safe", d.convert("Safe"));
        assertThrows(IllegalArgumentException.class, () -> PluginOption.choice("m", "other", "x", "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> new OptionDescriptor("m", OptionType.CHOICE, null, false,
                false, "no choices"));
    }

    @Test
    void describeShowsTheConfiguredValuesAsDefaultsAndNeverASecret() {
        List<OptionDescriptor> d = OptionValues.of(ALL, Map.of("timeout", "90s", "token", "x")).describe();
        assertEquals("90s", d.get(0).defaultValue());
        assertEquals("2", d.get(1).defaultValue());
        assertEquals("fast", d.get(2).defaultValue());
        assertNull(d.get(3).defaultValue());
        assertTrue(d.get(3).secret());
    }

    /** Like ansible#22400, where the documented default of a setting had drifted from the one the code used. */
    @Test
    void documentationThatDriftedFromTheDeclarationIsFoundWithTheLineToFix(@TempDir Path dir) throws IOException {
        Path annotation = Files.writeString(dir.resolve("Config.java"), """
                public @interface Config {
                    @AttributeDefinition(description = "How long" + " to wait.")
                    String timeout() default "10s";

                    @AttributeDefinition(description = "Retries.")
                    int retries() default 3;

                    @AttributeDefinition(description = "Fast or safe.")
                    String mode() default "fast";
                }
                """);
        Path readme = Files.writeString(dir.resolve("README.md"), """
                | option | type | default | what |
                |---|---|---|---|
                | `timeout` | duration | `10s` | how long |
                | `retries` | integer | `2` | retries |
                | `mode` | string | `fast` | fast or safe |
                | `token` | secret | (none) | the token |
                """);
        Path cfg = Files.writeString(dir.resolve("x.cfg"), """
                # comment = not a key
                timeout = 30s
                retries = 2
                """);
        List<String> problems = OptionDocs.check(ALL, annotation, readme, cfg);
        assertEquals(List.of(
                annotation + ":6: retries(): default 3 but the declaration's is \"2\"; write default 2",
                readme + ":5: mode: type \"string\" but the declaration's is choice; write | `mode` | choice | `fast` |",
                cfg + ":2: timeout = 30s is not the declared default; write timeout = 10s",
                cfg + ": no line for mode; add mode = fast"), problems);
        assertEquals(List.of(), OptionDocs.check(ALL, annotation,
                Files.writeString(readme, Files.readString(readme).replace("| string |", "| choice |")),
                Files.writeString(cfg, "timeout = 10s\nretries = 2\nmode = fast\n")).stream()
                .filter(p -> !p.contains("retries()")).toList());
    }
}
