package dev.kiln.api.backend;

/** Sanity: the suite passes on a second instance of the reference itself. */
class NaiveBackendConformanceTest extends BackendConformance {
    @Override
    protected Backend backend() { return new NaiveBackend(); }
}
