package dev.kiln.runtime.parallel;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Test helper: world workers on threads, joined by a real TCP ring over the loopback interface. */
final class LocalRing {
    private LocalRing() {}

    interface Body<T> {
        T run(RingAllReduce ring) throws Exception;
    }

    /** Each worker's result, by rank. */
    static <T> List<T> run(int world, Body<T> body) throws Exception {
        List<ServerSocket> servers = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            ServerSocket s = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
            servers.add(s);
            addresses.add("127.0.0.1:" + s.getLocalPort());
        }
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<T>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (RingAllReduce ring = new RingAllReduce(rank, addresses, servers.get(rank), 30_000)) {
                        return body.run(ring);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : results) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
            for (ServerSocket s : servers) s.close();
        }
    }
}
