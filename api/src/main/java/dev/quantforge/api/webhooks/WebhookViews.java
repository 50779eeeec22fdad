package dev.quantforge.api.webhooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What the webhooks API answers. */
public final class WebhookViews {

    private WebhookViews() {
    }

    @Schema(name = "WebhookRequest", description = "A webhook to create")
    public record WebhookRequest(
            @Schema(required = true, description = "Where deliveries are POSTed: an absolute http or https URL",
                    examples = "https://hooks.example.com/quantforge") String url,
            @Schema(required = true, description = "The CloudEvents types it receives, at least one of"
                    + " dev.quantforge.job.submitted, dev.quantforge.job.completed, dev.quantforge.variant.published,"
                    + " dev.quantforge.variant.rejected") List<String> eventTypes,
            @Schema(description = "The signing secret, whsec_ + base64 of 24 to 64 bytes; generated when absent")
            String secret,
            @Schema(description = "A note for people, at most 500 characters") String description) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "Webhook")
    public record WebhookView(UUID id, String url, List<String> eventTypes, String description, boolean enabled,
            @Schema(description = "Why it was disabled (deliveries kept failing)") String disabledReason,
            Instant disabledAt, Instant createdAt,
            @Schema(description = "The signing secret: in the answer to POST only") String secret) {

        static WebhookView of(Webhook w, boolean withSecret) {
            return new WebhookView(w.id, w.url, List.copyOf(w.eventTypes), w.description, w.enabled,
                    w.disabledReason, w.disabledAt, w.createdAt, withSecret ? w.secret : null);
        }
    }

    @Schema(name = "WebhookDelivery", description = "One event's delivery to a webhook and its attempts")
    public record DeliveryView(long id,
            @Schema(description = "The CloudEvent's id, sent as webhook-id on every attempt") String eventId,
            String eventType,
            @Schema(description = "PENDING (more attempts to come), DELIVERED (a 2xx answer), FAILED (gave up)")
            String state,
            int attempts,
            @Schema(description = "Every attempt: at, status (null when there was no response), error")
            List<WebhookDelivery.Attempt> attemptLog,
            Integer lastStatus, String lastError, Instant lastAttemptAt,
            @Schema(description = "When the next attempt is due; null once DELIVERED or FAILED") Instant nextAttemptAt,
            Instant deliveredAt, Instant createdAt) {

        static DeliveryView of(WebhookDelivery d) {
            return new DeliveryView(d.id, d.eventId, d.eventType, d.state.name(), d.attempts,
                    List.copyOf(d.attemptLog), d.lastStatus, d.lastError, d.lastAttemptAt,
                    d.state == WebhookDelivery.State.PENDING ? d.nextAttemptAt : null, d.deliveredAt, d.createdAt);
        }
    }

    @Schema(name = "WebhookDeliveries", description = "A webhook's deliveries, newest first")
    public record DeliveryPage(List<DeliveryView> deliveries) {
    }
}
