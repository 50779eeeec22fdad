package dev.quantforge.api.catalog;

import dev.quantforge.api.auth.Callers;
import dev.quantforge.api.auth.Scope;
import dev.quantforge.api.catalog.CatalogViews.ModelPage;
import dev.quantforge.api.catalog.CatalogViews.ModelVariants;
import dev.quantforge.api.catalog.CatalogViews.VariantDetail;
import dev.quantforge.api.catalog.CatalogViews.VariantSummary;
import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** The catalog of built variants: models, their variants across jobs, a variant's record, its download. */
@Path("/api/v1/catalog/models")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "catalog")
@RolesAllowed(Scope.READ)
public class CatalogResource {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;

    private final CatalogQueries queries;
    private final VariantDetails details;
    private final SecurityIdentity caller;

    public CatalogResource(CatalogQueries queries, VariantDetails details, SecurityIdentity caller) {
        this.caller = caller;
        this.queries = queries;
        this.details = details;
    }

    @GET
    @Operation(summary = "Models in the catalog, by name, with their variant counts, formats and profiles")
    @APIResponse(responseCode = "200", description = "A page of models; nextCursor leads to the next",
            content = @Content(schema = @Schema(implementation = ModelPage.class)))
    @APIResponse(responseCode = "400", description = "An invalid filter or paging parameter",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public ModelPage models(
            @Parameter(description = "Only models whose name contains this (case-insensitive)") @RestQuery String name,
            @Parameter(description = "Only variants of this format (gguf, mlx, ...)") @RestQuery String format,
            @Parameter(description = "Only variants built for this hardware profile") @RestQuery String profile,
            @Parameter(description = "Only variants whose profile targets this os, arch or accelerator (aarch64, android, ...)")
            @RestQuery String target,
            @Parameter(description = "Only variants of jobs with this label, key=value; repeat for several")
            @RestQuery List<String> label,
            @Parameter(description = "List REJECTED variants too") @RestQuery boolean includeRejected,
            @Parameter(description = "Models per page, 1 to 500 (default 50)") @RestQuery String limit,
            @Parameter(description = "nextCursor of the previous page") @RestQuery String cursor) {
        List<FieldError> errors = new ArrayList<>();
        CatalogFilter filter = filter(name, format, profile, target, label, includeRejected, errors);
        int pageSize = number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT, errors);
        Optional<String> after = cursor == null ? Optional.empty() : CatalogQueries.decodeCursor(cursor);
        if (cursor != null && after.isEmpty()) {
            errors.add(new FieldError("cursor", "is not a cursor this API returned"));
        }
        failOn(errors);
        return queries.models(Callers.tenant(caller), filter, pageSize, after);
    }

    @GET
    @Path("{name}")
    @Operation(summary = "Every variant of a model across jobs: grouped by profile, newest first, with size, bits per"
            + " weight, perplexity, ΔPPL, mean KLD, speed, state, sha256 and S3 URIs")
    @APIResponse(responseCode = "200", description = "The model's variants; latest marks the newest of each profile",
            content = @Content(schema = @Schema(implementation = ModelVariants.class)))
    @APIResponse(responseCode = "404", description = "No variant of this model was ever built",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public ModelVariants model(@RestPath String name,
            @Parameter(description = "Only variants of this format") @RestQuery String format,
            @Parameter(description = "Only variants built for this hardware profile") @RestQuery String profile,
            @Parameter(description = "Only variants whose profile targets this os, arch or accelerator")
            @RestQuery String target,
            @Parameter(description = "Only variants of jobs with this label, key=value; repeat for several")
            @RestQuery List<String> label,
            @Parameter(description = "List REJECTED variants too") @RestQuery boolean includeRejected,
            @Parameter(description = "Variants per page, 1 to 500 (default 50)") @RestQuery String limit,
            @Parameter(description = "nextOffset of the previous page") @RestQuery String offset) {
        List<FieldError> errors = new ArrayList<>();
        CatalogFilter filter = filter(null, format, profile, target, label, includeRejected, errors);
        int pageSize = number("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT, errors);
        int from = number("offset", offset, 0, 0, Integer.MAX_VALUE, errors);
        failOn(errors);
        return queries.model(Callers.tenant(caller), name, filter, pageSize, from)
                .orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND, "no model '" + name + "' in the catalog"));
    }

    @GET
    @Path("{name}/variants/{variant}")
    @Operation(summary = "One variant with its files, gates, full manifest and lineage (source → job → task → variant,"
            + " engine version and commit)")
    @APIResponse(responseCode = "200", description = "The variant; manifest is null with manifestError when object"
            + " storage could not give it", content = @Content(schema = @Schema(implementation = VariantDetail.class)))
    @APIResponse(responseCode = "404", description = "No such model or variant",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public VariantDetail variant(@RestPath String name,
            @Parameter(description = "The variant's id (from the model's page), or its name (Q4_K_M): the newest of that name")
            @RestPath String variant,
            @Parameter(description = "With a variant name: the one this job built") @RestQuery String job,
            @Parameter(description = "Find a REJECTED variant too") @RestQuery boolean includeRejected) {
        return details.of(find(name, variant, job, includeRejected));
    }

    @GET
    @Path("{name}/variants/{variant}/download")
    @Operation(summary = "Redirects to a short-lived presigned S3 URL of the variant's model file (or of the file named)")
    @APIResponse(responseCode = "302", description = "Location is the presigned URL (qf.catalog.download-expiry)")
    @APIResponse(responseCode = "404", description = "No such model, variant or file",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response download(@RestPath String name, @RestPath String variant,
            @Parameter(description = "With a variant name: the one this job built") @RestQuery String job,
            @Parameter(description = "A file of the variant by name (README.md, benchmark.json, ...); default the model")
            @RestQuery String file,
            @Parameter(description = "Find a REJECTED variant too") @RestQuery boolean includeRejected) {
        return Response.status(Response.Status.FOUND)
                .location(URI.create(presigned(name, variant, job, file, includeRejected))).build();
    }

    /** The presigned URL, for a client that sends its key in a header and cannot read a redirect: the dashboard. */
    public record DownloadLink(String url) {
    }

    @GET
    @Path("{name}/variants/{variant}/download-link")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The same presigned URL as .../download, as JSON, for clients that follow it themselves")
    @APIResponse(responseCode = "404", description = "No such model, variant or file",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public DownloadLink downloadLink(@RestPath String name, @RestPath String variant, @RestQuery String job,
            @RestQuery String file, @RestQuery boolean includeRejected) {
        return new DownloadLink(presigned(name, variant, job, file, includeRejected));
    }

    private String presigned(String name, String variant, String job, String file, boolean includeRejected) {
        VariantSummary found = find(name, variant, job, includeRejected);
        try {
            return details.downloadUrl(found, Optional.ofNullable(file)).orElseThrow(() -> new ProblemException(
                    ProblemType.NOT_FOUND, "variant " + found.variant() + " of '" + name + "' has no file "
                    + (file == null ? "besides its metadata" : "'" + file + "'")));
        } catch (ProblemException e) {
            throw e;
        } catch (Exception e) {
            throw new ProblemException(ProblemType.STORAGE_UNAVAILABLE, "cannot sign a download link: " + e.getMessage());
        }
    }

    private VariantSummary find(String name, String variant, String job, boolean includeRejected) {
        Optional<UUID> jobId = Optional.empty();
        if (job != null) {
            jobId = CatalogQueries.uuid(job);
            if (jobId.isEmpty()) {
                throw ProblemException.invalid("job", "must be a job id (a UUID)");
            }
        }
        return queries.variant(Callers.tenant(caller), name, variant, jobId, includeRejected).orElseThrow(() -> new ProblemException(
                ProblemType.NOT_FOUND, "no variant '" + variant + "' of model '" + name + "' in the catalog"
                + (includeRejected ? "" : " (a REJECTED one needs includeRejected=true)")));
    }

    private static CatalogFilter filter(String name, String format, String profile, String target, List<String> label,
            boolean includeRejected, List<FieldError> errors) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : label == null ? List.<String>of() : label) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                errors.add(new FieldError("label", "'" + pair + "' must be key=value"));
            } else {
                labels.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
        }
        return new CatalogFilter(blank(name), blank(format), blank(profile), blank(target), labels, includeRejected);
    }

    private static Optional<String> blank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    private static int number(String field, String value, int fallback, int min, int max, List<FieldError> errors) {
        if (value == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(new FieldError(field, "must be a whole number from " + min + " to " + max));
        return fallback;
    }

    private static void failOn(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }
}
