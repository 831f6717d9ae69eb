package io.conduit.rest.support;

import java.lang.reflect.Proxy;
import java.util.Map;

import io.conduit.rest.plugin.RestConfig;

/** Makes {@link RestConfig} instances the way DS would: the declared defaults, with some keys overridden. */
public final class Configs {
    private Configs() {
    }

    /**
     * @param overrides values by method name ({@code connect__timeout})
     * @return the config
     */
    public static RestConfig rest(Map<String, Object> overrides) {
        return (RestConfig) Proxy.newProxyInstance(RestConfig.class.getClassLoader(), new Class<?>[] {RestConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return RestConfig.class;
                    }
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "toString" -> "RestConfig" + overrides;
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> proxy == args[0];
                        };
                    }
                    return overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                            : method.getDefaultValue();
                });
    }

    /** @return the declared defaults */
    public static RestConfig defaults() {
        return rest(Map.of());
    }
}
