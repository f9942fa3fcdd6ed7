package dev.tern.testing;

import java.util.ArrayList;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.LongStream;

/**
 * Random cases for property tests on plain JUnit 5: a test takes a {@code long seed} from a
 * {@code @MethodSource} that returns {@link #seeds(int) seeds(n)}, under
 * {@code @ParameterizedTest(name = "seed={0}")}, and draws its case from {@code new Gen(seed)}; with {@code @ExtendWith(Gen.Seed.class)} on the class a failure's
 * message begins with the seed that made it (the console names a case by its index, not its name).
 * The seeds differ from run to run; {@code -Dtern.seed=N} runs that one seed again, alone.
 */
public final class Gen {
    private final Random random;

    /** The generator of the case {@code seed}. */
    public Gen(long seed) {
        this.random = new Random(seed);
    }

    /** Puts the case's name ("seed=N") and how to rerun it in front of a failure's message. */
    public static final class Seed implements TestExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            String name = context.getDisplayName();
            if (!name.startsWith("seed=")) {
                throw t;
            }
            AssertionError e = new AssertionError(name + " (rerun it alone with -D" + "tern." + name + "): "
                    + t.getMessage(), t);
            e.setStackTrace(t.getStackTrace());
            throw e;
        }
    }

    /** {@code n} seeds for one property: new ones every run, or only {@code -Dtern.seed}. */
    public static LongStream seeds(int n) {
        String fixed = System.getProperty("tern.seed");
        if (fixed != null && !fixed.isBlank()) {
            return LongStream.of(Long.parseLong(fixed.strip()));
        }
        SplittableRandom base = new SplittableRandom();
        return LongStream.generate(base::nextLong).limit(n);
    }

    /** An int in [lo, hi], both included. */
    public int between(int lo, int hi) {
        return lo + random.nextInt(hi - lo + 1);
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    public byte anyByte() {
        return (byte) random.nextInt(256);
    }

    /** One of {@code values}, each as likely. */
    @SafeVarargs
    public final <T> T oneOf(T... values) {
        return values[random.nextInt(values.length)];
    }

    /** An index into {@code weights}, chosen in proportion to them. */
    public int weighted(int... weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int r = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        throw new AssertionError();
    }

    /** A string of 0 to {@code maxLength} characters, each taken from {@code chars}. */
    public String string(String chars, int maxLength) {
        return string(chars, 0, maxLength);
    }

    public String string(String chars, int minLength, int maxLength) {
        int n = between(minLength, maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(chars.charAt(random.nextInt(chars.length())));
        }
        return sb.toString();
    }

    /**
     * A string of 0 to {@code maxLength} chars of any kind: ASCII, controls, Latin-1, the BMP, lone surrogates.
     */
    public String anyString(int maxLength) {
        int n = between(0, maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(switch (weighted(4, 2, 2, 1)) {
                case 0 -> (char) between(0x20, 0x7E);
                case 1 -> (char) between(0, 0x1F);
                case 2 -> (char) between(0x80, 0xFF);
                default -> (char) between(0x100, 0xFFFF);
            });
        }
        return sb.toString();
    }

    /** A string of 0 to {@code maxLength} ASCII characters (0 to 127). */
    public String ascii(int maxLength) {
        int n = between(0, maxLength);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) random.nextInt(128));
        }
        return sb.toString();
    }

    /** Between {@code min} and {@code max} values from {@code element}. */
    public <T> List<T> list(int min, int max, Supplier<T> element) {
        int n = between(min, max);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.get());
        }
        return out;
    }

    /** {@code list} as bytes. */
    public static byte[] bytes(List<Byte> list) {
        byte[] b = new byte[list.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = list.get(i);
        }
        return b;
    }
}
