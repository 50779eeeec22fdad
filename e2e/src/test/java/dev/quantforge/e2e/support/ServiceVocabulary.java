package dev.quantforge.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The settings a packaged service reads, derived from its code rather than listed by hand: its own and common's
 * {@code @ConfigMapping} interfaces walked as SmallRye Config names them (method names in kebab case,
 * {@code @WithName}, groups nested, a property per leaf), the {@code qf.*} properties its
 * {@code application.properties} sets or refers to and the {@code ${qf.…}} expressions in its classes (e.g. a
 * {@code @Scheduled} interval); in the environment each is upper case with {@code _} for every other character,
 * as SmallRye maps {@code QF_*} variables. Besides those, {@code KAFKA_*} variables for every Kafka client
 * setting (the Kafka extension passes {@code kafka.*} to the clients). Read from the jars the build laid out in
 * {@code target/quarkus-app}, in a class loader of their own.
 */
public final class ServiceVocabulary {
    private static final Pattern QF_REFERENCE = Pattern.compile("(?<![A-Za-z0-9_.-])(qf\\.[a-z0-9]+(?:[.-][a-z0-9]+)*)");
    private static final String MAPPING = "io.smallrye.config.ConfigMapping";
    private static final String MAP_KEY = ".*";
    private static final String WITH_NAME = "io.smallrye.config.WithName";
    private static final String WITH_PARENT_NAME = "io.smallrye.config.WithParentName";

    private final String service;
    private final Set<String> properties;
    private final Set<String> kafkaVariables;

    private ServiceVocabulary(String service, Set<String> properties, Set<String> kafkaVariables) {
        this.service = service;
        this.properties = properties;
        this.kafkaVariables = kafkaVariables;
    }

    /** {@code service} is the module: {@code api} or {@code worker}. */
    public static ServiceVocabulary of(String service) {
        Path app = Product.root().resolve(service).resolve("target/quarkus-app");
        if (!Files.isDirectory(app)) {
            throw new IllegalStateException(app + " is missing: package the services first");
        }
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> main = Files.list(app.resolve("lib/main")); Stream<Path> own = Files.list(app.resolve("app"))) {
            main.filter(p -> p.toString().endsWith(".jar")).forEach(jars::add);
            own.filter(p -> p.toString().endsWith(".jar")).forEach(jars::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> ours = jars.stream().filter(p -> p.getFileName().toString().startsWith("quantforge-")
                || p.getFileName().toString().startsWith("dev.quantforge.")).toList();
        Set<String> properties = new TreeSet<>();
        URL[] urls = jars.stream().map(ServiceVocabulary::url).toArray(URL[]::new);
        try (URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            for (Path jar : ours) {
                scan(jar, loader, properties);
            }
            return new ServiceVocabulary(service, properties, kafkaVariables(loader));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the settings of " + service, e);
        }
    }

    public String service() {
        return service;
    }

    /**
     * The {@code qf.*} properties, e.g. {@code qf.worker.scratch-dir}; a map keyed by name ends in {@code .*}
     * ({@code qf.tenants.sources.*}).
     */
    public Set<String> properties() {
        return properties;
    }

    /** The environment names of {@link #properties()}, e.g. {@code QF_WORKER_SCRATCH_DIR}. */
    public Set<String> qfVariables() {
        Set<String> names = new TreeSet<>();
        properties.stream().filter(p -> !p.endsWith(MAP_KEY)).forEach(p -> names.add(environmentName(p)));
        return names;
    }

    /** True when the service reads this environment variable. */
    public boolean reads(String variable) {
        return qfVariables().contains(variable) || kafkaVariables.contains(variable) || readsAsMapEntry(variable);
    }

    /** {@code QF_TENANTS_SOURCES_ACME} is the entry {@code acme} of the map {@code qf.tenants.sources}. */
    private boolean readsAsMapEntry(String variable) {
        return properties.stream().filter(p -> p.endsWith(MAP_KEY))
                .map(p -> environmentName(p.substring(0, p.length() - MAP_KEY.length())) + "_")
                .anyMatch(prefix -> variable.startsWith(prefix) && variable.length() > prefix.length());
    }

    /** SmallRye's environment form of a property: upper case, every character but letters and digits an underscore. */
    public static String environmentName(String property) {
        StringBuilder name = new StringBuilder();
        for (char c : property.toCharArray()) {
            name.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return name.toString();
    }

    private static void scan(Path jar, ClassLoader loader, Set<String> properties) throws IOException,
            ReflectiveOperationException {
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(file.entries())) {
                String name = entry.getName();
                if (name.equals("application.properties") || name.endsWith(".class")) {
                    byte[] bytes = file.getInputStream(entry).readAllBytes();
                    // ISO-8859-1 keeps every byte: the references in a class's constant pool are plain ASCII
                    String text = new String(bytes, StandardCharsets.ISO_8859_1);
                    if (name.endsWith(".properties")) {
                        text = text.lines().filter(l -> !l.strip().startsWith("#")).reduce("", (a, b) -> a + "\n" + b);
                    }
                    Matcher m = QF_REFERENCE.matcher(text);
                    while (m.find()) {
                        if (name.endsWith(".properties") || text.regionMatches(Math.max(0, m.start() - 2), "${", 0, 2)) {
                            properties.add(m.group(1));
                        }
                    }
                }
                if (name.endsWith(".class") && !name.contains("$$")) {
                    Class<?> type;
                    try {
                        type = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
                    } catch (LinkageError e) {
                        continue; // not a mapping: those load (their types are the JDK's and common's)
                    }
                    for (Annotation a : type.getAnnotations()) {
                        if (a.annotationType().getName().equals(MAPPING)) {
                            String prefix = (String) a.annotationType().getMethod("prefix").invoke(a);
                            walk(type, prefix, properties, 0);
                        }
                    }
                }
            }
        }
    }

    /** A mapping interface's leaves, as SmallRye names them (kebab case, {@code @WithName}, nested groups). */
    private static void walk(Class<?> type, String prefix, Set<String> properties, int depth)
            throws ReflectiveOperationException {
        if (depth > 10) {
            throw new IllegalStateException("mapping nested too deep at " + prefix);
        }
        for (Method method : type.getMethods()) {
            if (method.getParameterCount() > 0 || method.isDefault() || method.isSynthetic()
                    || java.lang.reflect.Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String segment = kebab(method.getName());
            boolean parentName = false;
            for (Annotation a : method.getAnnotations()) {
                String annotation = a.annotationType().getName();
                if (annotation.equals(WITH_NAME)) {
                    segment = (String) a.annotationType().getMethod("value").invoke(a);
                } else if (annotation.equals(WITH_PARENT_NAME)) {
                    parentName = true;
                }
            }
            String name = parentName ? prefix : prefix + "." + segment;
            Class<?> group = groupOf(method.getGenericReturnType());
            if (group != null) {
                walk(group, name, properties, depth + 1);
            } else if (method.getReturnType() == java.util.Map.class) {
                properties.add(name + MAP_KEY);
            } else {
                properties.add(name);
            }
        }
    }

    /** The group interface a method returns (directly or in an Optional), or null for a leaf value. */
    private static Class<?> groupOf(Type type) {
        if (type instanceof Class<?> c) {
            return c.isInterface() && !c.getName().startsWith("java.") ? c : null;
        }
        if (type instanceof ParameterizedType p && p.getRawType() == java.util.Optional.class) {
            return groupOf(p.getActualTypeArguments()[0]);
        }
        if (type instanceof ParameterizedType p && (p.getRawType() == java.util.Map.class
                || Collection.class.isAssignableFrom((Class<?>) p.getRawType()))) {
            if (groupOf(p.getActualTypeArguments()[p.getActualTypeArguments().length - 1]) != null) {
                throw new IllegalStateException("maps and lists of groups are not walked: " + type);
            }
        }
        return null;
    }

    /** SmallRye's default naming: {@code scratchDir} → {@code scratch-dir}. */
    static String kebab(String method) {
        StringBuilder name = new StringBuilder();
        for (char c : method.toCharArray()) {
            if (Character.isUpperCase(c)) {
                name.append('-').append(Character.toLowerCase(c));
            } else {
                name.append(c);
            }
        }
        return name.toString();
    }

    /** {@code KAFKA_<SETTING>} for every setting of the Kafka consumer, producer and admin clients. */
    @SuppressWarnings("unchecked")
    private static Set<String> kafkaVariables(ClassLoader loader) throws ReflectiveOperationException {
        Set<String> names = new TreeSet<>();
        for (String config : List.of("org.apache.kafka.clients.consumer.ConsumerConfig",
                "org.apache.kafka.clients.producer.ProducerConfig", "org.apache.kafka.clients.admin.AdminClientConfig")) {
            Set<String> settings = (Set<String>) Class.forName(config, true, loader).getMethod("configNames").invoke(null);
            settings.forEach(s -> names.add("KAFKA_" + environmentName(s)));
        }
        return names;
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
