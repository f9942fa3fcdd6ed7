package dev.tern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 3461 section 4: xtext = *( xchar / hexchar ); hexchar = "+" two upper-case hex digits. */
class XtextTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "abc|abc",
        "x+40y|x@y",
        "+2B|+",
        "+3D|=",
        "+20a+20|' a '",
        "a+2Bb+3Dc|a+b=c",
        "!~|!~",
        "+41+42|AB",
    })
    void decode(String xtext, String text) {
        assertThat(Xtext.decode(xtext)).isEqualTo(text);
    }

    @Test
    void decodeEmpty() {
        assertThat(Xtext.decode("")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "a+", "a+4", "+4", "+GG", "+4G", "+ 4", "a=b", "a b", "a\u007fb", "a\tb", "+-1"})
    void malformedDecodesToNull(String xtext) {
        assertThat(Xtext.decode(xtext)).as(xtext).isNull();
    }

    /** Decoded control characters are refused: a CR LF in ORCPT or ENVID would add lines to a delivery report. */
    @ParameterizedTest
    @ValueSource(strings = {"a+0D+0AAction:+20failed", "a+0Ab", "a+0Db", "+00", "a+1Bb", "a+7Fb", "a+C2+85b", "+09"})
    void controlCharactersDecodeToNull(String xtext) {
        assertThat(Xtext.decode(xtext)).as(xtext).isNull();
    }

    /** "+" must be followed by two hex digits, which are ASCII (%x30-39 / %x41-46), not other Unicode digits. */
    @ParameterizedTest
    @ValueSource(strings = {"+\u0664\u0660", "+\uff14\uff10"})
    void hexDigitsAreAscii(String xtext) {
        assertThat(Xtext.decode(xtext)).as(xtext).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "abc|abc",
        "x@y|x@y",
        "a+b=c|a+2Bb+3Dc",
        "' a '|+20a+20",
        "é|+C3+A9",
    })
    void encode(String text, String xtext) {
        assertThat(Xtext.encode(text)).isEqualTo(xtext);
    }

    @Test
    void encodeControlCharacters() {
        assertThat(Xtext.encode("\u0000\r\n\u007f")).isEqualTo("+00+0D+0A+7F");
    }

    /** encode must not lose characters: what it produces decodes back to the same text. */
    @ParameterizedTest
    @ValueSource(strings = {"€", "用户@例子.广告", "a\u0100b", "😀"})
    void encodeThenDecodeKeepsCharactersAboveLatin1(String text) {
        assertThat(Xtext.decode(Xtext.encode(text))).isEqualTo(text);
    }
}
