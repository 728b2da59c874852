package dev.kiln.api.autograd;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An add's backward hands the output's gradient to an input with none yet instead of copying it. */
class GradientHandOffTest {
    private final List<String> copies = new ArrayList<>();

    /** The naive backend, recording every reduceSumTo (an add's gradient copy) with its destination size. */
    private Backend counting() {
        Backend naive = new NaiveBackend();
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, args) -> {
            if (m.getName().equals("reduceSumTo")) copies.add(((Storage) args[2]).size() + (((Boolean) args[4]) ? "+" : ""));
            try {
                return m.invoke(naive, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void theFirstInputTakesTheGradientAndTheSecondGetsACopy() {
        Backend be = counting();
        Tensor a = Tensor.of(be, new float[] {1, 2, 3}, 3).requiresGrad(true), b = Tensor.of(be, new float[] {4, 5, 6}, 3).requiresGrad(true);
        Tensor loss = Reductions.sum(Arithmetic.mul(Arithmetic.add(a, b), Tensor.of(be, new float[] {1, 10, 100}, 3)));
        copies.clear();
        loss.backward();
        assertArrayEquals(new float[] {1, 10, 100}, a.grad().toArray());
        assertArrayEquals(new float[] {1, 10, 100}, b.grad().toArray());
        // the root's seed into its gradient; mul writes the add's output gradient; the add copies it for b only (a
        // takes it); sum's reshapes and broadcast hand their gradients on without a copy
        assertEquals(List.of("1+", "3", "3"), copies);
        a.grad().toArray()[0] = 0;                           // toArray copies; the two gradients are separate storages
        assertNotSame(a.gradForAccumulation(), b.gradForAccumulation());
    }

    @Test
    void anInputThatAlreadyHasAGradientAddsIntoIt() {
        Backend be = counting();
        Tensor x = Tensor.of(be, new float[] {1, 2}, 2).requiresGrad(true);
        x.gradForAccumulation();
        be.fill(x.gradForAccumulation(), 0, 2, 5f);          // a gradient from an earlier backward
        Reductions.sum(Arithmetic.add(x, x)).backward();
        assertArrayEquals(new float[] {7, 7}, x.grad().toArray(), "5 + 1 + 1");
        Tensor y = Tensor.of(be, new float[] {1, 2}, 2).requiresGrad(true);
        Reductions.sum(Arithmetic.add(y, y)).backward();
        assertArrayEquals(new float[] {2, 2}, y.grad().toArray(), "y takes g, then adds g into it");
    }

    @Test
    void onlyTheGradientOfTheRunningBackwardCanBeTaken() {
        Backend be = counting();
        Tensor t = Tensor.of(be, new float[] {1, 2}, 2).requiresGrad(true);
        assertFalse(t.adoptGradient(be.allocate(2)), "outside a backward nothing is handed off");
        assertFalse(t.hasGrad());
        Tensor frozen = Tensor.of(be, new float[] {1, 2}, 2), w = Tensor.of(be, new float[] {3, 4}, 2).requiresGrad(true);
        Reductions.sum(Arithmetic.add(frozen, w)).backward();
        assertFalse(frozen.hasGrad(), "an input without requiresGrad takes nothing");
        assertArrayEquals(new float[] {1, 1}, w.grad().toArray(), "the other input takes it");
    }
}
