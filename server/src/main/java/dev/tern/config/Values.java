package dev.tern.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The values of one configuration tree, read key by key through {@link Keys}: a key written in the file is
 * read by its type, a key left out takes its fallback. Each value is read once; readers may ask for keys
 * declared before theirs (the aliases need {@code local_domains}).
 */
public final class Values {
    private final String file;
    private final Path baseDir;
    private final ObjectNode root;
    /** Key → value read or defaulted; values may be null (no smarthost), hence containsKey. */
    private final Map<Key<?>, Object> read = new HashMap<>();

    Values(String file, Path baseDir, ObjectNode root) {
        this.file = file;
        this.baseDir = baseDir;
        this.root = root;
    }

    /** The file name errors carry. */
    public String file() {
        return file;
    }

    /** The directory relative paths in the file are resolved against. */
    public Path baseDir() {
        return baseDir;
    }

    /** The value of {@code key}: as written in the file, or its default. */
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) throws ConfigException {
        if (read.containsKey(key)) {
            return (T) read.get(key);
        }
        JsonNode node = node(key);
        T value = node == null ? key.fallback().of(this) : key.type().reader().read(node, key.name(), this);
        read.put(key, value);
        return value;
    }

    /** True when the file sets {@code key}. */
    public boolean given(Key<?> key) {
        return node(key) != null;
    }

    /** An error at {@code key}. */
    public ConfigException fail(String key, String reason) {
        return new ConfigException(file, key, reason);
    }

    private JsonNode node(Key<?> key) {
        JsonNode table = key.table().isEmpty() ? root : root.get(key.table());
        return table instanceof ObjectNode t ? t.get(key.leaf()) : null;
    }
}
