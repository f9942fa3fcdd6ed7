package dev.tern.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/configuration.md lists every key of {@link Keys} with the same default, and no key the table lacks. */
class KeysDocTest {

    /** "table.key" → the default cell (backticks stripped) of every row under a "### Top level" or "### `[table]`". */
    static Map<String, String> documentedDefaults() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        String table = null;
        int defaultColumn = -1;
        for (String line : Files.readAllLines(Path.of("../docs/configuration.md"))) {
            if (line.startsWith("## ")) {
                table = null;
            } else if (line.equals("### Top level")) {
                table = "";
            } else if (line.matches("### `\\[[a-z0-9_]+]`")) {
                table = line.substring(6, line.length() - 2);
            } else if (line.startsWith("### ")) {
                table = null;
            }
            if (table == null || !line.startsWith("|")) {
                continue;
            }
            List<String> cells = cells(line);
            if (cells.get(0).equals("key")) {
                defaultColumn = cells.indexOf("default");
            } else if (defaultColumn > 0 && cells.get(0).matches("`[a-z0-9_]+`")) {
                String key = cells.get(0).replace("`", "");
                String value = cells.get(defaultColumn);
                if (value.startsWith("`") && value.endsWith("`")) {
                    value = value.substring(1, value.length() - 1);
                }
                out.put(table.isEmpty() ? key : table + "." + key, value);
            }
        }
        return out;
    }

    private static List<String> cells(String row) {
        List<String> out = new ArrayList<>();
        for (String c : row.substring(1).split("\\|", -1)) {
            out.add(c.strip());
        }
        return out;
    }

    @Test
    void everyKeyIsDocumentedWithItsDefault() throws IOException {
        Map<String, String> docs = documentedDefaults();
        Map<String, String> table = new LinkedHashMap<>();
        Keys.ALL.forEach(k -> table.put(k.name(), k.defaultText()));
        assertThat(docs).isEqualTo(table);
    }

    @Test
    void everyKeyHasAMeaningAndATypeAndALiteralDefaultReadsBackAsTheDefault() throws Exception {
        Config empty = ConfigLoader.parse("", "t", false);
        for (Key<?> k : Keys.ALL) {
            assertThat(k.meaning()).as(k.name()).isNotBlank().doesNotContain("\n");
            assertThat(k.type().kind()).as(k.name()).isNotBlank();
        }
        // A few spot checks that the table's defaults are the ones the records get.
        assertThat(empty.limits().maxRecipients()).isEqualTo(100);
        assertThat(empty.delivery().smarthost()).isNull();
        assertThat(empty.tls().certificate()).isNull();
    }
}
