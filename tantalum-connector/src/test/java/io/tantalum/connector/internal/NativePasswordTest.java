package io.tantalum.connector.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NativePasswordTest {
    private final byte[] scramble = ServerGreeting.newScramble(new Random(7));

    @Test
    void theStoredHashIsTheServers() {
        // SELECT PASSWORD('password') on MariaDB
        assertThat(NativePassword.storedHash("password")).isEqualTo("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
    }

    @Test
    void aRightAnswerYieldsTheHashThatAnswersAnyOtherScramble() {
        String stored = NativePassword.storedHash("s3cret!");
        byte[] stage1 = NativePassword.verify(NativePassword.answer("s3cret!", scramble), scramble, stored);
        assertThat(stage1).hasSize(20);
        byte[] other = ServerGreeting.newScramble(new Random(8));
        // what the connector sends a new master is what the client itself would have sent
        assertThat(NativePassword.answerWithStage1(stage1, other)).isEqualTo(NativePassword.answer("s3cret!", other));
    }

    @Test
    void wrongPasswordsEmptyAnswersAndOtherHashesAreRefused() {
        String stored = NativePassword.storedHash("s3cret!");
        assertThat(NativePassword.verify(NativePassword.answer("secret", scramble), scramble, stored)).isNull();
        assertThat(NativePassword.verify(new byte[0], scramble, stored)).isNull();
        assertThat(NativePassword.verify(NativePassword.answer("s3cret!", scramble), scramble, "")).isNull();
        assertThat(NativePassword.verify(NativePassword.answer("s3cret!", scramble), scramble, "$ed25519$x")).isNull();
        assertThat(NativePassword.verify(NativePassword.answer("s3cret!", scramble), scramble, null)).isNull();
    }

    @Test
    void anAccountWithoutPasswordTakesOnlyAnEmptyAnswer() {
        assertThat(NativePassword.verify(new byte[0], scramble, "")).isEmpty();
        assertThat(NativePassword.answerWithStage1(new byte[0], scramble)).isEmpty();
        assertThat(NativePassword.verify(NativePassword.answer("x", scramble), scramble, "")).isNull();
    }
}
