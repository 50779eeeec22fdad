package dev.quantforge.api.profiles;

import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/api/v1/profiles")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
public final class ProfilesResource {

    private final HardwareProfiles profiles;

    public ProfilesResource(HardwareProfiles profiles) {
        this.profiles = profiles;
    }

    /** The list wrapped in an object, so that fields can be added later without breaking clients. */
    public record ProfileList(List<HardwareProfile> profiles) {
    }

    @GET
    @Operation(summary = "The hardware profiles a job's targets may name")
    public ProfileList list() {
        return new ProfileList(List.copyOf(profiles.all()));
    }
}
