package io.tantalum.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicatorApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void requestsTravelWithTheirOwnFieldsOnly() throws Exception {
        var online = new ReplicatorApi.OnlineRequest(List.of(5L, 7L), true, true, new ReplicatorApi.StopPoint(9L, null,
                null, null));
        String json = JSON.writeValueAsString(online);
        assertThat(json).isEqualTo(
                "{\"skipSeqno\":[5,7],\"force\":true,\"forceDivergence\":true,\"until\":{\"seqno\":9}}");
        assertThat(JSON.readValue(json, ReplicatorApi.OnlineRequest.class)).isEqualTo(online);
        assertThat(JSON.readValue("{}", ReplicatorApi.OnlineRequest.class))
                .isEqualTo(new ReplicatorApi.OnlineRequest(List.of(), false, ReplicatorApi.StopPoint.NONE));
    }

    @Test
    void statusKeepsTungstenNamesInAlphabeticalOrderAndNothingElse() throws Exception {
        ReplicatorStatus st = new ReplicatorStatus("NONE", -1, 0, 0, 0, true, "NONE", 0, 0, 1, "alpha", 2, "NONE", 1L,
                "h", 0, "", "host1", -1, "", "thl://h:2112/", null, -1, -1, "NONE", "NONE", "NONE", "NONE", -1,
                "NONE", "jdbc:mariadb://h:3306/", -1, 99, 10000, "master", "java.lang.Long", "alpha", "local",
                "alpha", "default", "host1", "ONLINE", 1, "", 1, false, "Tantalum 0.1.0");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = JSON.readValue(JSON.writeValueAsString(st), Map.class);
        assertThat(List.copyOf(m.keySet())).isSorted().contains("appliedLastSeqno", "role", "state", "pendingError",
                "connectedSlaves").doesNotContain("masterMaxSeqno", "master", "stuckInError");
        assertThat(m).hasSize(46);
        assertThat(JSON.readValue(JSON.writeValueAsString(st), ReplicatorStatus.class)).isEqualTo(st);
        assertThat(st.isMaster()).isTrue();
    }

    @Test
    void secretsCompareOnlyWhenEqual() {
        String t = Secrets.generate();
        assertThat(t).hasSize(64).isNotEqualTo(Secrets.generate());
        assertThat(Secrets.matches(t, t)).isTrue();
        assertThat(Secrets.matches(t.substring(1), t)).isFalse();
        assertThat(Secrets.matches(null, t)).isFalse();
        assertThat(Secrets.matches("", "")).as("an empty token never matches").isFalse();
    }
}
