package dev.quantforge.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestPath;

/**
 * API keys: create (the answer is the only one that shows the key), list, revoke. The operator manages every
 * tenant's keys; an {@code admin} key or token of a tenant manages that tenant's only.
 */
@Path("/api/v1/admin/keys")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Scope.ADMIN_NAME)
public final class KeyResource {

    /** The answer to a create: the key's record and the key itself. */
    public record CreatedKey(UUID id, String name, String tenant, List<String> scopes, String prefix, String key) {
    }

    private static final Set<String> FIELDS = Set.of("name", "tenant", "scopes");

    private final ApiKeys keys;
    private final SecurityIdentity caller;

    public KeyResource(ApiKeys keys, SecurityIdentity caller) {
        this.keys = keys;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key for a tenant with scopes (a tenant's admin: for its tenant, the default);"
            + " the answer is the only one that shows it")
    @APIResponse(responseCode = "201", description = "Created",
            content = @Content(schema = @Schema(implementation = CreatedKey.class)))
    @APIResponse(responseCode = "400", description = "Invalid name, tenant or scopes",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response create(JsonNode body, UriInfo uri) {
        if (body == null || !body.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object {\"name\", \"tenant\", \"scopes\"}");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw ProblemException.invalid(f, "is not a field of an API key (name, tenant, scopes)");
            }
        });
        List<String> scopes = null;
        if (body.path("scopes").isArray()) {
            scopes = new ArrayList<>();
            for (JsonNode scope : body.get("scopes")) {
                scopes.add(scope.isTextual() ? scope.asText() : scope.toString());
            }
        }
        String tenant = text(body, "tenant");
        Optional<String> administered = Callers.administeredTenant(caller);
        if (administered.isPresent() && tenant == null) {
            tenant = administered.get();
        } else if (administered.isPresent() && !administered.get().equals(tenant)) {
            throw new ProblemException(ProblemType.FORBIDDEN,
                    "an admin of tenant " + administered.get() + " creates keys for that tenant only");
        }
        ApiKeys.Created created = keys.create(text(body, "name"), tenant, scopes);
        ApiKeyView view = created.key();
        return Response.created(uri.getBaseUriBuilder().path("api/v1/admin/keys").path(view.id().toString()).build())
                .entity(new CreatedKey(view.id(), view.name(), view.tenant(), view.scopes(), view.prefix(),
                        created.secret())).build();
    }

    @GET
    @Operation(summary = "Every API key the caller manages, oldest first, revoked ones included; never the key itself")
    public List<ApiKeyView> list() {
        return keys.list(Callers.administeredTenant(caller));
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke a key: requests with it are refused from now on")
    public ApiKeyView revoke(@RestPath String id) {
        try {
            return keys.revoke(UUID.fromString(id), Callers.administeredTenant(caller));
        } catch (IllegalArgumentException e) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no API key " + id);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
