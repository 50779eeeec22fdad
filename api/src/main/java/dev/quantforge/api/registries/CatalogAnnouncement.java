package dev.quantforge.api.registries;

import java.util.Objects;

/**
 * One change of the catalog, as the CloudEvent every adapter gets.
 *
 * @param eventId    the CloudEvent's id: the same for every adapter and every retry, for receivers to deduplicate
 * @param type       its type, {@code dev.quantforge.job.submitted} and so on
 * @param tenant     the tenant whose job or variant it is: an adapter announces it only to that tenant's receivers
 * @param model      the model's name (the Kafka key, the event's subject)
 * @param cloudEvent the structured-mode CloudEvent JSON, exactly as the catalog topic carries it
 */
public record CatalogAnnouncement(String eventId, String type, String tenant, String model, String cloudEvent) {
    public CatalogAnnouncement {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(cloudEvent, "cloudEvent");
    }

    /** True for variant.published and variant.rejected, what a model registry usually records. */
    public boolean aboutVariant() {
        return type.endsWith(".variant.published") || type.endsWith(".variant.rejected");
    }
}
