package dev.kiln.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Test helper: a Spark context in local mode on the loopback interface, without the web UI. */
final class LocalSpark {
    private LocalSpark() {}

    static JavaSparkContext start(String master, String app) {
        return new JavaSparkContext(new SparkConf().setMaster(master).setAppName(app)
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
    }
}
