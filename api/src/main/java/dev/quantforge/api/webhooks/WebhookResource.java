package dev.quantforge.api.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.api.auth.Callers;
import dev.quantforge.api.auth.Scope;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.webhooks.WebhookViews.DeliveryPage;
import dev.quantforge.api.webhooks.WebhookViews.DeliveryView;
import dev.quantforge.api.webhooks.WebhookViews.WebhookView;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** Webhooks: HTTP endpoints the catalog's CloudEvents are POSTed to, signed as Standard Webhooks says. */
@Path("/api/v1/webhooks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "webhooks")
public class WebhookResource {

    private static final int DEFAULT_LIMIT = 100;
    private static final int MAX_LIMIT = 1000;

    private final Webhooks webhooks;
    private final SecurityIdentity caller;

    public WebhookResource(Webhooks webhooks, SecurityIdentity caller) {
        this.caller = caller;
        this.webhooks = webhooks;
    }

    @POST
    @RolesAllowed(Scope.SUBMIT)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a webhook: the catalog's CloudEvents of the given types are POSTed to its URL, signed"
            + " with its secret (webhook-id, webhook-timestamp, webhook-signature)")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = WebhookViews.WebhookRequest.class)))
    @APIResponse(responseCode = "201", description = "Created; the answer is the only one that shows the secret",
            content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "400", description = "Invalid request; errors names each invalid field",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response create(JsonNode body, UriInfo uri) {
        Webhook webhook = webhooks.create(Callers.tenant(caller), Webhooks.parse(body));
        return Response.created(uri.getAbsolutePathBuilder().path(webhook.id.toString()).build())
                .entity(WebhookView.of(webhook, true)).build();
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Operation(summary = "Every webhook, oldest first, without secrets")
    @APIResponse(responseCode = "200", description = "The webhooks",
            content = @Content(schema = @Schema(implementation = WebhookView.class, type = SchemaType.ARRAY)))
    public List<WebhookView> list() {
        return webhooks.list(Callers.tenant(caller)).stream().map(w -> WebhookView.of(w, false)).toList();
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Path("{id}")
    @Operation(summary = "One webhook, without its secret; disabledReason says why a disabled one was disabled")
    @APIResponse(responseCode = "200", description = "The webhook",
            content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public WebhookView get(@RestPath String id) {
        return WebhookView.of(webhooks.find(Callers.tenant(caller), id(id)), false);
    }

    @DELETE
    @RolesAllowed(Scope.SUBMIT)
    @Path("{id}")
    @Operation(summary = "Delete a webhook and its delivery log; pending deliveries are not sent")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response delete(@RestPath String id) {
        webhooks.delete(Callers.tenant(caller), id(id));
        return Response.noContent().build();
    }

    @POST
    @RolesAllowed(Scope.SUBMIT)
    @Path("{id}/enable")
    @Operation(summary = "Enable a webhook again (one disabled after repeated failures); its disabledReason is cleared."
            + " Deliveries dropped while it was disabled stay FAILED; replay those wanted")
    @APIResponse(responseCode = "200", description = "The webhook, enabled",
            content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public WebhookView enable(@RestPath String id) {
        return WebhookView.of(webhooks.enable(Callers.tenant(caller), id(id)), false);
    }

    @POST
    @RolesAllowed(Scope.SUBMIT)
    @Path("{id}/rotate-secret")
    @Operation(summary = "Give a webhook a new signing secret; the answer is the only one that shows it. Every attempt"
            + " from now on, pending retries included, is signed with the new secret")
    @APIResponse(responseCode = "200", description = "The webhook with its new secret",
            content = @Content(schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public WebhookView rotateSecret(@RestPath String id) {
        return WebhookView.of(webhooks.rotateSecret(Callers.tenant(caller), id(id)), true);
    }

    @POST
    @RolesAllowed(Scope.SUBMIT)
    @Path("{id}/deliveries/{deliveryId}/replay")
    @Operation(summary = "Send a delivery again now, with the same webhook-id (the event's id) and a fresh retry"
            + " schedule; its attempt log keeps the earlier attempts")
    @APIResponse(responseCode = "202", description = "The delivery, PENDING and due now",
            content = @Content(schema = @Schema(implementation = DeliveryView.class)))
    @APIResponse(responseCode = "400", description = "An invalid id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such webhook or delivery",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The webhook is disabled; enable it first",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response replay(@RestPath String id, @RestPath String deliveryId) {
        long delivery;
        try {
            delivery = Long.parseLong(deliveryId);
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("deliveryId", "is not a delivery id (a whole number)");
        }
        return Response.accepted(DeliveryView.of(webhooks.replay(Callers.tenant(caller), id(id), delivery))).build();
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Path("{id}/deliveries")
    @Operation(summary = "The webhook's delivery log, newest first: each event's attempts, status codes, last error"
            + " and next attempt")
    @APIResponse(responseCode = "200", description = "The deliveries",
            content = @Content(schema = @Schema(implementation = DeliveryPage.class)))
    @APIResponse(responseCode = "400", description = "An invalid limit or id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "404", description = "No such webhook",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DeliveryPage deliveries(@RestPath String id,
            @Parameter(description = "Deliveries to list, 1 to 1000 (default 100)") @RestQuery String limit) {
        UUID webhook = id(id);
        int size = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = -1;
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw ProblemException.invalid("limit", "must be a whole number from 1 to " + MAX_LIMIT);
            }
        }
        return new DeliveryPage(webhooks.deliveries(Callers.tenant(caller), webhook, size).stream().map(DeliveryView::of).toList());
    }

    private static UUID id(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("id", "is not a webhook id (a UUID)");
        }
    }
}
