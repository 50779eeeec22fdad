package dev.quantforge.api.reports;

import dev.quantforge.api.auth.Callers;
import dev.quantforge.api.auth.Scope;
import dev.quantforge.api.jobs.Job;
import dev.quantforge.api.jobs.JobIds;
import dev.quantforge.api.jobs.Task;
import dev.quantforge.api.problems.Problem;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.api.problems.ProblemType;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestPath;

@Path("/api/v1/jobs/{id}/report")
public class JobReportResource {

    static final String MARKDOWN = "text/markdown";
    private static final MediaType MARKDOWN_TYPE = MediaType.valueOf(MARKDOWN);

    private final SecurityIdentity caller;

    public JobReportResource(SecurityIdentity caller) {
        this.caller = caller;
    }

    @GET
    @RolesAllowed(Scope.READ)
    @Produces({MediaType.APPLICATION_JSON, MARKDOWN})
    @Transactional
    @Operation(summary = "One comparison table of the job's variants: size, bits per weight, perplexity, KL divergence,"
            + " speed, state and reject reason; JSON, or markdown with Accept: text/markdown")
    @APIResponse(responseCode = "200", description = "A row per task, most bits per weight first; unfinished tasks"
            + " show their state with empty figures",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobReport.class)),
                    @Content(mediaType = MARKDOWN, schema = @Schema(implementation = String.class))})
    @APIResponse(responseCode = "404", description = "No such job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response report(@RestPath String id, HttpHeaders headers) {
        UUID jobId = JobIds.parse(id);
        Job job = Job.findById(jobId);
        if (job == null || !job.tenant.equals(Callers.tenant(caller))) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no job " + id);
        }
        JobReport report = JobReport.of(job, Task.ofJob(jobId));
        return wantsMarkdown(headers)
                ? Response.ok(MarkdownReport.render(report), MARKDOWN + ";charset=UTF-8").build()
                : Response.ok(report, MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** The client's most preferred of the two; JSON for no Accept header or a wildcard. */
    private static boolean wantsMarkdown(HttpHeaders headers) {
        for (MediaType accepted : headers.getAcceptableMediaTypes()) {
            if (accepted.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return false;
            }
            if (accepted.isCompatible(MARKDOWN_TYPE)) {
                return true;
            }
        }
        return false;
    }
}
