package dev.quantforge.e2e.support;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the {@link Product}: started once for all test classes of the run (starting it is most of the
 * module's time) and stopped when the last of them has finished, as JUnit closes its root store. A product that
 * failed to start is not tried again by every other test class.
 */
public final class RunningProduct implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RunningProduct.class);

    /** The product, or why it could not start. */
    private record Startup(Product product, RuntimeException failure) implements AutoCloseable {
        static Startup attempt() {
            try {
                return new Startup(Product.start(), null);
            } catch (RuntimeException e) {
                return new Startup(null, e);
            }
        }

        @Override
        public void close() {
            if (product != null) {
                product.close();
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Product.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Startup startup = context.getRoot().getStore(NAMESPACE).computeIfAbsent(Startup.class, type -> Startup.attempt(),
                Startup.class);
        if (startup.failure() != null) {
            throw new IllegalStateException("quantforge did not start: " + startup.failure().getMessage(), startup.failure());
        }
        return startup.product();
    }
}
