package dev.kiln.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class's Spark context in local mode on the loopback interface, without the web UI, for all its tests. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LocalSparkTest {
    protected JavaSparkContext sc;

    /** The master URL, e.g. {@code local[2]}. */
    abstract String master();

    @BeforeAll
    void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster(master()).setAppName(getClass().getSimpleName())
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
    }

    @AfterAll
    void stop() {
        if (sc != null) sc.close();
    }
}
