package dev.quantforge.api.storage;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Jobs cannot be accepted without object storage: the source check would fail. */
@Readiness
@ApplicationScoped
public class StorageReadiness implements HealthCheck {

    private final ResultsBucket results;

    public StorageReadiness(ResultsBucket results) {
        this.results = results;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("object storage").withData("results-bucket", results.name());
        try {
            return results.exists() ? response.up().build()
                    : response.down().withData("reason", "the results bucket does not exist").build();
        } catch (Exception e) {
            return response.down().withData("reason", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }
}
