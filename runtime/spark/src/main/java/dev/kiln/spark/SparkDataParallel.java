package dev.kiln.spark;

import dev.kiln.runtime.parallel.DataParallel;
import dev.kiln.runtime.parallel.RingAllReduce;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Data-parallel training on Spark the way XGBoost4J-Spark and Spark's TorchDistributor run it: one
 * barrier stage of {@code workers} long-lived tasks that Spark starts together (and restarts together
 * when one fails). Each task opens a server socket, publishes {@code host:port} with
 * {@link BarrierTaskContext#allGather} (small strings, through the driver), joins the TCP ring of
 * {@link RingAllReduce} and runs its training inside {@link DataParallel#run}, so the trainer on that
 * thread shards every global batch and sums gradients with the other tasks directly, not through Spark.
 * When a task fails Spark kills the others and runs the stage again (up to {@code spark.task.maxFailures}
 * / {@code spark.stage.maxConsecutiveAttempts}); workers that checkpoint ({@code RankCheckpointer}) resume.
 */
public final class SparkDataParallel {
    private SparkDataParallel() {}

    /** One worker's training: runs on an executor with its {@link DataParallel} current; the result goes back to the driver. */
    @FunctionalInterface
    public interface Worker<R extends Serializable> extends Serializable {
        R train(int rank, int world) throws Exception;
    }

    /** Runs worker on {@code workers} barrier tasks; returns their results by rank. */
    @SuppressWarnings("unchecked")
    public static <R extends Serializable> List<R> run(JavaSparkContext sc, int workers, Worker<R> worker, int timeoutMillis) {
        if (workers < 1) throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < workers; r++) ranks.add(r);
        RDD<Integer> slots = sc.parallelize(ranks, workers).rdd();
        ClassTag<Object> tag = ClassTag$.MODULE$.apply(Object.class);
        RDD<Object> trained = slots.barrier().mapPartitions(new Task<>(worker, workers, timeoutMillis), false, tag);
        // The shuffle makes the barrier stage a shuffle-map stage: Spark retries those as a whole when a task
        // fails ("Could not recover from a failed barrier ResultStage" otherwise), and the retry resumes from
        // the workers' last checkpoint.
        List<Object> collected = new JavaRDD<>(trained, tag).repartition(1).collect();
        Object[] byRank = new Object[workers];
        for (Object o : collected) {
            Object[] pair = (Object[]) o;
            byRank[(Integer) pair[0]] = pair[1];
        }
        List<R> out = new ArrayList<>();
        for (Object o : byRank) out.add((R) o);
        return out;
    }

    /** The barrier task: ring set-up, then the worker's training. */
    private static final class Task<R extends Serializable> extends AbstractFunction1<Iterator<Integer>, Iterator<Object>> implements Serializable {
        private final Worker<R> worker;
        private final int world, timeoutMillis;

        Task(Worker<R> worker, int world, int timeoutMillis) {
            this.worker = worker;
            this.world = world;
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public Iterator<Object> apply(Iterator<Integer> ignored) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int rank = ctx.partitionId();
            try (ServerSocket listening = new ServerSocket(0, 4)) {
                String host = InetAddress.getLocalHost().getHostAddress();
                List<String> addresses = Arrays.asList(ctx.allGather(host + ":" + listening.getLocalPort()));
                if (addresses.size() != world)
                    throw new IllegalStateException("barrier stage has " + addresses.size() + " tasks, expected " + world);
                try (RingAllReduce ring = new RingAllReduce(rank, addresses, listening, timeoutMillis)) {
                    R result = new DataParallel(ring).run(() -> worker.train(rank, world));
                    return JavaConverters.asScalaIterator(Collections.<Object>singletonList(new Object[] {rank, result}).iterator());
                }
            } catch (IOException e) {
                throw new IllegalStateException("worker " + rank + " of " + world + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("worker " + rank + " of " + world + " failed: " + e.getMessage(), e);
            }
        }
    }
}
