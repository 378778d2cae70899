package org.rap.agent.outputs;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * @param excluded level-4 excluded path → reason
 * @param manifestEntries manifest entry per output path
 */
public record PersistedOutputs(
    Map<String, String> excluded, Map<String, JsonObject> manifestEntries) {}
