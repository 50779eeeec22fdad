package dev.quantforge.common.profiles;

import dev.quantforge.common.quality.QualityGates;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The catalog of hardware profiles, read from YAML: the built-in file, optionally extended or overridden by another. */
public final class HardwareProfiles {
    private static final String BUILT_IN = "/dev/quantforge/common/profiles/profiles.yaml";

    private final Map<String, HardwareProfile> byName;

    private HardwareProfiles(Map<String, HardwareProfile> byName) {
        this.byName = byName;
    }

    public static HardwareProfiles builtIn() {
        try (InputStream in = HardwareProfiles.class.getResourceAsStream(BUILT_IN)) {
            return new HardwareProfiles(parse(in, BUILT_IN));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The built-in profiles, with those of {@code file} added or replacing them by name. */
    public HardwareProfiles overriddenBy(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Map<String, HardwareProfile> merged = new LinkedHashMap<>(byName);
            merged.putAll(parse(in, file.toString()));
            return new HardwareProfiles(merged);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read profiles from " + file + ": " + e.getMessage(), e);
        }
    }

    public Optional<HardwareProfile> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<HardwareProfile> all() {
        return byName.values();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, HardwareProfile> parse(InputStream in, String origin) {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        if (!(root instanceof Map<?, ?> map) || !(map.get("profiles") instanceof List<?> list)) {
            throw new IllegalArgumentException(origin + ": expected a top-level 'profiles' list");
        }
        Map<String, HardwareProfile> out = new LinkedHashMap<>();
        for (Object item : list) {
            Map<String, Object> p = (Map<String, Object>) item;
            Map<String, Object> target = (Map<String, Object>) p.getOrDefault("target", Map.of());
            HardwareProfile profile = new HardwareProfile(
                    string(p, "name", origin), (String) p.get("description"),
                    new HardwareProfile.Target((String) target.get("os"), (String) target.get("arch"),
                            (String) target.get("accelerator")),
                    string(p, "format", origin), string(p, "ftype", origin), (String) p.get("runtime"),
                    gates(p, origin), settings(p, origin));
            out.put(profile.name(), profile);
        }
        return out;
    }

    /** {@code settings: {blockSize: 32, accuracyLevel: 4}}: a format's own settings, values as strings. */
    private static java.util.SortedMap<String, String> settings(Map<String, Object> profile, String origin) {
        Object settings = profile.get("settings");
        java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
        if (settings == null) {
            return out;
        }
        if (!(settings instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(origin + ": profile " + profile.get("name") + ": 'settings' must be a map");
        }
        map.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /**
     * {@code gates: {maxMeanKld: 0.1, maxPerplexityIncreasePercent: 10, minSameTopPercent: 80}}, or for an ONNX model
     * profile {@code {minMeanOutputCosine: 0.98}}, all optional.
     */
    @SuppressWarnings("unchecked")
    private static QualityGates gates(Map<String, Object> profile, String origin) {
        Object gates = profile.get("gates");
        if (gates == null) {
            return QualityGates.NONE;
        }
        if (!(gates instanceof Map<?, ?>)) {
            throw new IllegalArgumentException(origin + ": profile " + profile.get("name") + ": 'gates' must be a map");
        }
        Map<String, Object> map = (Map<String, Object>) gates;
        for (String key : map.keySet()) {
            if (!List.of("maxMeanKld", "maxPerplexityIncreasePercent", "minSameTopPercent", "minMeanOutputCosine").contains(key)) {
                throw new IllegalArgumentException(origin + ": profile " + profile.get("name") + ": unknown gate '" + key
                        + "' (known: maxMeanKld, maxPerplexityIncreasePercent, minSameTopPercent, minMeanOutputCosine)");
            }
        }
        try {
            return new QualityGates(number(map, "maxMeanKld", origin), number(map, "maxPerplexityIncreasePercent", origin),
                    number(map, "minSameTopPercent", origin), number(map, "minMeanOutputCosine", origin));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": profile " + profile.get("name") + ": " + e.getMessage(), e);
        }
    }

    private static Double number(Map<String, Object> map, String key, String origin) {
        Object v = map.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException(origin + ": gate '" + key + "' must be a number, got " + v);
        }
        return n.doubleValue();
    }

    private static String string(Map<String, Object> map, String key, String origin) {
        Object v = map.get(key);
        if (!(v instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(origin + ": a profile lacks '" + key + "'");
        }
        return s;
    }
}
