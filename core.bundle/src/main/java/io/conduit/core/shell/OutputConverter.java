package io.conduit.core.shell;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

/**
 * Formats the values of Conduit's commands ({@link CommandOutput}) for the console: Gogo asks every converter
 * service to format a command's result before it prints it, at the prompt and in {@code bin/conduit -c}.
 */
@Component(service = Converter.class, property = Converter.CONVERTER_CLASSES
        + "=io.conduit.core.shell.CommandOutput")
public final class OutputConverter implements Converter {

    /** Conduit's values are not converted to other types: Gogo's own conversions apply. */
    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    /**
     * @param target a command's value
     * @param level {@link #INSPECT} (the value alone on the console: all of it), {@link #LINE} or {@link #PART}
     *        (inside a list: its first line)
     * @param escape the other converters, unused
     * @return the text, or {@code null} for values that are not Conduit's
     */
    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (!(target instanceof CommandOutput output)) {
            return null;
        }
        String text = output.text();
        if (level == INSPECT) {
            return text;
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
