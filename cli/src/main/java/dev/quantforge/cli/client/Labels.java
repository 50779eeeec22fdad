package dev.quantforge.cli.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --label k=v} options. */
final class Labels {

    private Labels() {
    }

    static Map<String, String> parse(List<String> pairs) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : pairs == null ? List.<String>of() : pairs) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new ClientException("--label '" + pair + "' must be key=value", ClientException.REFUSED);
            }
            labels.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return labels;
    }

    /** {@code &label=k%3Dv...} for a query string. */
    static String query(List<String> pairs) {
        StringBuilder query = new StringBuilder();
        parse(pairs).forEach((k, v) -> query.append("&label=").append(ApiClient.encode(k + "=" + v)));
        return query.toString();
    }
}
