package dev.kiln.runtime.parallel;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ring all-reduce over TCP, as in Baidu's ring / NCCL's ring: worker r sends to r + 1 and receives from
 * r − 1. The array is cut into {@code world} chunks; N − 1 reduce-scatter steps leave worker r with the
 * full sum of chunk r + 1, and N − 1 all-gather steps pass the finished chunks around. Each worker sends
 * 2·(N − 1)/N of the array per call, whatever N. The chunk a worker adds at each step is fixed by the
 * ring order, so every worker ends with the same bits.
 *
 * <p>Connections: each worker listens on its own server socket, learns every worker's {@code host:port}
 * (from Spark's {@code BarrierTaskContext.allGather}, or a test), connects to its successor and accepts
 * its predecessor. Sends run on a second thread so a step's send and receive overlap and large chunks
 * cannot deadlock on full socket buffers.
 */
public final class RingAllReduce implements Collective {
    private final int rank, world;
    private final Socket toNext, fromPrev;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final ExecutorService sender;
    private byte[] inBytes = new byte[0];

    /**
     * @param listening this worker's server socket, its address at {@code addresses.get(rank)}
     * @param addresses every worker's {@code host:port}, by rank
     */
    public RingAllReduce(int rank, List<String> addresses, ServerSocket listening, int timeoutMillis) throws IOException {
        this.rank = rank;
        this.world = addresses.size();
        if (rank < 0 || rank >= world) throw new IllegalArgumentException("rank " + rank + " of " + world);
        if (world == 1) {
            toNext = fromPrev = null;
            out = null;
            in = null;
            sender = null;
            return;
        }
        String next = addresses.get((rank + 1) % world);
        int colon = next.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("worker address '" + next + "' is not host:port");
        toNext = connect(next.substring(0, colon), Integer.parseInt(next.substring(colon + 1)), timeoutMillis);
        listening.setSoTimeout(timeoutMillis);
        fromPrev = listening.accept();
        fromPrev.setSoTimeout(timeoutMillis);
        toNext.setTcpNoDelay(true);
        out = new DataOutputStream(new BufferedOutputStream(toNext.getOutputStream(), 1 << 16));
        in = new DataInputStream(new BufferedInputStream(fromPrev.getInputStream(), 1 << 16));
        out.writeInt(rank);                       // a handshake: the predecessor must be who the ring says
        out.flush();
        int prev = in.readInt();
        if (prev != (rank - 1 + world) % world)
            throw new IOException("ring: worker " + rank + " expected worker " + ((rank - 1 + world) % world) + " to connect, got " + prev);
        sender = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kiln-ring-send-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    private static Socket connect(String host, int port, int timeoutMillis) throws IOException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        IOException last = null;
        while (System.currentTimeMillis() < deadline) {   // the successor may not be listening yet
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(host, port), Math.max(1, timeoutMillis));
                return s;
            } catch (IOException e) {
                last = e;
                s.close();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while connecting to " + host + ":" + port, ie);
                }
            }
        }
        throw new IOException("ring: could not connect to the next worker at " + host + ":" + port, last);
    }

    @Override
    public int rank() { return rank; }

    @Override
    public int world() { return world; }

    @Override
    public void allReduceSum(float[] data) {
        if (world == 1) return;
        int n = data.length;
        try {
            // reduce-scatter: at step s, send chunk (rank − s) and add the received chunk (rank − s − 1)
            for (int s = 0; s < world - 1; s++) {
                int send = Math.floorMod(rank - s, world), recv = Math.floorMod(rank - s - 1, world);
                Future<?> f = sendAsync(data, from(send, n), to(send, n));
                FloatBuffer got = receive(to(recv, n) - from(recv, n));
                for (int i = from(recv, n), e = to(recv, n); i < e; i++) data[i] += got.get();
                f.get();
            }
            // all-gather: worker r now owns the finished chunk (r + 1); pass finished chunks around
            for (int s = 0; s < world - 1; s++) {
                int send = Math.floorMod(rank + 1 - s, world), recv = Math.floorMod(rank - s, world);
                Future<?> f = sendAsync(data, from(send, n), to(send, n));
                receive(to(recv, n) - from(recv, n)).get(data, from(recv, n), to(recv, n) - from(recv, n));
                f.get();
            }
        } catch (java.io.EOFException e) {
            throw new UncheckedIOException("ring all-reduce, worker " + rank + " of " + world + ": worker "
                    + Math.floorMod(rank - 1, world) + " closed the ring (it failed or was stopped)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("ring all-reduce, worker " + rank + " of " + world + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("ring all-reduce, worker " + rank + " of " + world + ": " + e.getMessage(), e);
        }
    }

    /** The chunk sent is never the one received in the same step, so the two threads touch different floats. */
    private Future<?> sendAsync(float[] data, int from, int to) {
        return sender.submit(() -> {
            ByteBuffer bytes = ByteBuffer.allocate(4 * (to - from));   // big-endian, as the receiver reads it
            bytes.asFloatBuffer().put(data, from, to - from);
            out.write(bytes.array());
            out.flush();
            return null;
        });
    }

    /** The next n floats from the predecessor. */
    private FloatBuffer receive(int n) throws IOException {
        if (inBytes.length < 4 * n) inBytes = new byte[4 * n];
        in.readFully(inBytes, 0, 4 * n);
        return ByteBuffer.wrap(inBytes, 0, 4 * n).asFloatBuffer();
    }

    private int from(int chunk, int n) { return (int) ((long) n * chunk / world); }

    private int to(int chunk, int n) { return (int) ((long) n * (chunk + 1) / world); }

    @Override
    public void close() {
        if (world == 1) return;
        sender.shutdownNow();
        try {
            toNext.close();
            fromPrev.close();
        } catch (IOException ignored) {
            // closing: nothing left to tell
        }
    }
}
