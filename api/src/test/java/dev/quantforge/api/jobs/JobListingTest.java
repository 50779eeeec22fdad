package dev.quantforge.api.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quantforge.api.support.Fixtures;
import dev.quantforge.api.support.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(LocalStackResource.class)
class JobListingTest {

    @Inject
    Fixtures fixtures;

    @Test
    void jobsAreListedNewestFirstByLabelAndStateOnePageAtATime() {
        String batch = UUID.randomUUID().toString();
        String source = fixtures.hfModel("stories-list");
        List<UUID> submitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            submitted.add(fixtures.submit(fixtures.request(source, List.of("arm-mobile"),
                    Map.of("batch", batch, "index", Integer.toString(i)))).id());
        }
        fixtures.submit(fixtures.request(source, List.of("arm-mobile"), Map.of("batch", "another")));
        given().delete("/api/v1/jobs/" + submitted.get(1)).then().statusCode(202);

        JobPage first = page("?label=batch=" + batch + "&limit=2");
        assertEquals(List.of(submitted.get(2), submitted.get(1)), ids(first));
        JobPage second = page("?label=batch=" + batch + "&limit=2&cursor=" + first.nextCursor());
        assertEquals(List.of(submitted.get(0)), ids(second));
        assertNull(second.nextCursor());

        assertEquals(List.of(submitted.get(1)), ids(page("?label=batch=" + batch + "&state=cancelled")));
        assertEquals(List.of(submitted.get(2), submitted.get(0)), ids(page("?label=batch=" + batch + "&state=QUEUED")));
        assertEquals(List.of(submitted.get(0)), ids(page("?label=batch=" + batch + "&label=index=0")));
        assertEquals(1, page("?label=batch=" + batch + "&limit=1").jobs().get(0).tasks().size(), "jobs come with tasks");
    }

    @Test
    void badListingParametersAreNamed() {
        given().get("/api/v1/jobs?state=DONE&limit=1000&cursor=zzz&label=novalue").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItems("state", "limit", "cursor", "label"));
        given().get("/api/v1/jobs?limit=x").then().statusCode(400).body("errors[0].field", equalTo("limit"));
    }

    private JobPage page(String query) {
        return fixtures.read(given().get("/api/v1/jobs" + query).then().statusCode(200).extract().asString(),
                JobPage.class);
    }

    private static List<UUID> ids(JobPage page) {
        return page.jobs().stream().map(JobView::id).toList();
    }
}
