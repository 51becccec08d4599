package io.tantalum.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccountsTest {
    private static Accounts.Account a(String user, String host) {
        return new Accounts.Account(user, host, "mysql_native_password", "*" + host);
    }

    @Test
    void theMostSpecificMatchingHostWinsAsOnTheServer() {
        List<Accounts.Account> all = List.of(a("app", "%"), a("app", "127.0.%"), a("app", "127.0.9.1"), a("app", "10.%"),
                a("other", "127.0.9.1"), a("", "%"));
        assertThat(Accounts.match(all, "app", "127.0.9.1").host()).isEqualTo("127.0.9.1");
        assertThat(Accounts.match(all, "app", "127.0.9.2").host()).isEqualTo("127.0.%");
        assertThat(Accounts.match(all, "app", "192.168.1.1").host()).isEqualTo("%");
        assertThat(Accounts.match(all, "nobody", "127.0.9.1")).isNull();
        assertThat(Accounts.match(List.of(a("app", "localhost")), "app", "127.0.0.1")).isNotNull();
        assertThat(Accounts.match(List.of(a("app", "localhost")), "app", "127.0.9.1")).isNull();
        assertThat(Accounts.match(List.of(a("app", "127.0.9._")), "app", "127.0.9.12")).isNull();
    }

    @Test
    void onlyNativePasswordAccountsAreServed() {
        assertThat(new Accounts.Account("a", "%", "mysql_native_password", "*X").nativePassword()).isTrue();
        assertThat(new Accounts.Account("a", "%", "", "").nativePassword()).isTrue();
        assertThat(new Accounts.Account("a", "%", "unix_socket", "").nativePassword()).isFalse();
        assertThat(new Accounts.Account("a", "%", "ed25519", "x").nativePassword()).isFalse();
    }
}
