// The "Zokio" meter sums over every event-loop group in the process, so tests that assert a counter moved (or did not)
// must not share the process with another test's loops.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
