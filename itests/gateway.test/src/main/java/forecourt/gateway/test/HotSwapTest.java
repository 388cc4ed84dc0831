package forecourt.gateway.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.Version;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.util.tracker.ServiceTracker;

import forecourt.api.device.DeviceDriver;

/**
 * A leaf driver bundle is updated to a new version while the framework and the other
 * gateway bundles keep running, and the new version's service is the one in use.
 */
class HotSwapTest {
    @InjectBundleContext
    BundleContext context;

    @Test
    void driverBundleIsUpdatedInPlaceAndItsNewServiceIsUsed() throws Exception {
        ServiceTracker<DeviceDriver, DeviceDriver> drivers = new ServiceTracker<>(context, DeviceDriver.class, null);
        drivers.open();
        try {
            DeviceDriver v1 = drivers.waitForService(TimeUnit.SECONDS.toMillis(10));
            ServiceReference<DeviceDriver> v1Ref = drivers.getServiceReference();
            Bundle driverBundle = v1Ref.getBundle();
            long driverBundleId = driverBundle.getBundleId();
            Object v1ServiceId = v1Ref.getProperty("service.id");
            // guard: the framework must have started version 1, or the test proves nothing
            assertThat(driverBundle.getVersion().getMajor()).isEqualTo(1);
            assertThat(v1.protocol()).isEqualTo("sample dialect v1");

            // a neighbour that must not notice: the clock service of the site bundle
            ServiceReference<Clock> clockBefore = context.getServiceReference(Clock.class);
            assertThat(clockBefore).as("clock service").isNotNull();
            Object clockId = clockBefore.getProperty("service.id");
            Bundle siteBundle = clockBefore.getBundle();

            URL v2 = context.getBundle().getEntry("fixtures/charger.sample-v2.jar");
            assertThat(v2).as("embedded v2 fixture").isNotNull();
            try (InputStream in = v2.openStream()) {
                driverBundle.update(in);
            }

            DeviceDriver swapped = waitForDriverOfVersion(drivers, new Version(2, 0, 0));
            assertThat(swapped.protocol()).isEqualTo("sample dialect v2");
            assertThat(driverBundle.getState()).isEqualTo(Bundle.ACTIVE);
            ServiceReference<DeviceDriver> v2Ref = drivers.getServiceReference();
            assertThat(v2Ref.getBundle().getBundleId()).as("updated in place, not a second bundle").isEqualTo(driverBundleId);
            assertThat(v2Ref.getProperty("service.id")).as("a new service registration").isNotEqualTo(v1ServiceId);
            assertThat(drivers.getServiceReferences()).as("only the new driver is registered").hasSize(1);

            ServiceReference<Clock> clockAfter = context.getServiceReference(Clock.class);
            assertThat(clockAfter.getProperty("service.id")).as("the clock was not restarted").isEqualTo(clockId);
            assertThat(siteBundle.getState()).isEqualTo(Bundle.ACTIVE);
            assertThat(context.getBundle(0).getState()).isEqualTo(Bundle.ACTIVE);
        } finally {
            drivers.close();
        }
    }

    private static DeviceDriver waitForDriverOfVersion(ServiceTracker<DeviceDriver, DeviceDriver> drivers, Version version)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ServiceReference<DeviceDriver> ref = drivers.getServiceReference();
            if (ref != null && ref.getBundle() != null && ref.getBundle().getVersion().equals(version)) {
                return drivers.getService(ref);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no driver of version " + version + " within 10 s");
    }
}
