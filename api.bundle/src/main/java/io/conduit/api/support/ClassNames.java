package io.conduit.api.support;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the classes a class file names in its constant pool (JVM specification 4.4), for loading them ahead. */
final class ClassNames {
    private static final Pattern IN_DESCRIPTOR = Pattern.compile("L([^;()\\[]+);");

    private ClassNames() {
    }

    /**
     * @param classFile a class file
     * @return the binary names (dots) of the classes it names: its class entries and the types in the descriptors
     *         of the members it uses; empty when the file is not one this reader knows
     * @throws IOException the file cannot be read
     */
    static Set<String> referenced(InputStream classFile) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            return Set.of();
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        Set<Integer> classes = new HashSet<>();
        Set<Integer> descriptors = new HashSet<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF(); // class files use the modified UTF-8 readUTF reads
                case 7 -> classes.add(in.readUnsignedShort());
                case 16 -> descriptors.add(in.readUnsignedShort()); // MethodType
                case 12 -> { // NameAndType
                    in.readUnsignedShort();
                    descriptors.add(in.readUnsignedShort());
                }
                case 8, 19, 20 -> in.readUnsignedShort(); // String, Module, Package
                case 3, 4, 9, 10, 11, 17, 18 -> in.readInt();
                case 5, 6 -> { // Long and Double take two entries
                    in.readLong();
                    i++;
                }
                case 15 -> { // MethodHandle
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> {
                    return Set.of();
                }
            }
        }
        Set<String> names = new HashSet<>();
        for (int i : classes) {
            String name = i < count ? utf8[i] : null;
            if (name == null) {
                continue;
            }
            if (name.startsWith("[")) {
                addFrom(name, names);
            } else {
                names.add(name.replace('/', '.'));
            }
        }
        for (int i : descriptors) {
            if (i < count && utf8[i] != null) {
                addFrom(utf8[i], names);
            }
        }
        return names;
    }

    private static void addFrom(String descriptor, Set<String> names) {
        Matcher m = IN_DESCRIPTOR.matcher(descriptor);
        while (m.find()) {
            names.add(m.group(1).replace('/', '.'));
        }
    }
}
