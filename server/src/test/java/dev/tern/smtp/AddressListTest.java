package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AddressListTest {

    @Test
    void addrSpecs() {
        assertThat(AddressList.addrSpecs("a@b.example")).containsExactly("a@b.example");
        assertThat(AddressList.addrSpecs("\"Doe, John\" <j@x.example>, k@y.example (Kay), <l@z.example>"))
                .containsExactly("j@x.example", "k@y.example", "l@z.example");
        assertThat(AddressList.addrSpecs("friends: m@x.example, \"n o\"@x.example; undisclosed-recipients:;"))
                .containsExactly("m@x.example", "\"n o\"@x.example");
        assertThat(AddressList.addrSpecs("<@relay.example:p@x.example>")).containsExactly("p@x.example");
        assertThat(AddressList.addrSpecs("root")).containsExactly("root");
        assertThat(AddressList.addrSpecs("Jösé <jösé@example.test>")).containsExactly("jösé@example.test");
        assertThat(AddressList.addrSpecs("  ")).isEmpty();
        assertThat(AddressList.addrSpecs("Bob <Bob@X.example")).containsExactly("Bob@X.example"); // unclosed <
    }
}
